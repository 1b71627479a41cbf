//! What the benchmarks share with the tests: the exchange flow driver that
//! sends migrants' records to a running server, has the place of
//! registration answer every notice, and (optionally) kills the server with
//! SIGKILL at random moments on the way.

pub mod exchange_flow;

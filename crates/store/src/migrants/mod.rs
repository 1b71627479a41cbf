//! Migrants (流动人口): incoming migrant records matched to the register and
//! recorded as arrivals, the inflow and outflow registers. The migrant's
//! facts are part of the person (where registered, where living, since
//! when) and their arrivals events like every other; the counters are in
//! `statistics/`, the report in `statistics/reports/migrants.rs`.

pub mod arrivals;
pub mod registers;

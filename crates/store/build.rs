// The migrations are compiled in (`sqlx::migrate!`), and cargo does not see
// them change by itself: without this, an edited or added migration file
// leaves the old one in the binary.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}

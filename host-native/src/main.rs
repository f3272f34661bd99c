//! index-sync-native
fn main() {}

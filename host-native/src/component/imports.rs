//! What the component imports, and which of those it should not: the component must run in
//! any component runtime that lends it `index-sync:engine`'s four interfaces, so anything
//! else it imports (a `wasi:` interface dragged in by the standard library, say) is a bug.

use super::compiled;

/// The namespace every import must be in.
pub const ALLOWED_PREFIX: &str = "index-sync:engine/";

/// The names the embedded component imports, as the component model spells them
/// (`index-sync:engine/kv@0.5.0`, ...).
pub fn component_imports() -> Result<Vec<String>, String> {
    let (engine, component) = compiled()?;
    Ok(component
        .component_type()
        .imports(engine)
        .map(|(name, _)| name.to_owned())
        .collect())
}

/// The names among `imports` that are not `index-sync:engine` interfaces.
pub fn stray_imports<'a>(imports: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    imports
        .into_iter()
        .filter(|name| !name.starts_with(ALLOWED_PREFIX))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wasi_import_is_caught() {
        let names = [
            "index-sync:engine/kv@0.5.0",
            "wasi:io/streams@0.2.6",
            "index-sync:engine/ai@0.5.0",
        ];
        assert_eq!(stray_imports(names), ["wasi:io/streams@0.2.6"]);
    }

    #[test]
    fn a_look_alike_namespace_is_caught() {
        assert_eq!(
            stray_imports(["index-sync:engine-extra/kv", "kv"]),
            ["index-sync:engine-extra/kv", "kv"]
        );
    }
}

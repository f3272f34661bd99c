//! The component imports nothing but `index-sync:engine`'s interfaces, so any component
//! runtime that lends it kv, ai, vectorize and coordinator can run it (no WASI, no
//! host-specific import).

use index_sync_native::component::imports::{component_imports, stray_imports};

#[test]
fn the_component_imports_only_index_sync_engine_interfaces() {
    let imports = component_imports().expect("the component compiles");
    println!("imports: {imports:?}");
    let stray = stray_imports(imports.iter().map(String::as_str));
    assert!(
        stray.is_empty(),
        "imports outside index-sync:engine/: {stray:?}"
    );
    for wanted in ["kv", "ai", "vectorize", "coordinator"] {
        assert!(
            imports
                .iter()
                .any(|name| name.starts_with(&format!("index-sync:engine/{wanted}@"))),
            "{wanted} is not imported: {imports:?}"
        );
    }
}

#[test]
fn the_check_would_catch_a_stray_import() {
    let mut imports = component_imports().expect("the component compiles");
    imports.push("wasi:cli/environment@0.2.6".to_owned());
    assert_eq!(
        stray_imports(imports.iter().map(String::as_str)),
        ["wasi:cli/environment@0.2.6"]
    );
}

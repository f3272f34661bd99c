//! Search's filters as a person types them, turned into the engine's (`pathPrefix`,
//! `include`, `exclude`, `lang`): `--path` and `--exclude` take globs, or a folder or file of
//! the project as it is on disk, named from the current folder as a shell would complete it.
//!
//! - One `--path` that names a folder is the engine's `pathPrefix` (`src/cli/`: the folder's
//!   path from the project's root, with its `/`). Several `--path`s are alternatives, so each
//!   folder or file among them becomes an anchored glob (`/src/cli/`: that folder and all it
//!   holds), as does one that names a file; a glob is passed as it is (`*.rs`, `src/**/*.ts`).
//! - An `--exclude` that names a folder or file on disk becomes an anchored glob likewise.
//! - `--lang` is a file extension without its dot; several are alternatives.
//!
//! A `--path` that names nothing on disk and holds no glob character is passed as a glob
//! too: `vendor` then matches a file or folder of that name anywhere, as in `.gitignore`;
//! a trailing `/` (`src/`) names a folder whether or not it is on this machine. What the
//! engine refuses (400 `invalid_filter`) is the engine's to say.

use std::path::{Component, Path};

use serde_json::{Value, json};

/// The characters that make a `--path` a glob rather than a name.
const GLOB_CHARACTERS: [char; 3] = ['*', '?', '['];

/// The filters of one search, as given.
#[derive(clap::Args, Clone, Debug, Default, PartialEq, Eq)]
pub struct Filters {
    /// Only results at these paths: a folder or file (from the current folder), or a glob
    /// over paths from the project's root (`*.rs`, `src/**/test_*`). Repeat for any of several.
    #[arg(long = "path", value_name = "GLOB")]
    pub paths: Vec<String>,
    /// No results at these paths: a folder or file, or a glob, as for --path.
    #[arg(long = "exclude", value_name = "GLOB")]
    pub excludes: Vec<String>,
    /// Only results in files with this extension, without the dot (`rs`). Repeat for any
    /// of several.
    #[arg(long = "lang", value_name = "EXT")]
    pub langs: Vec<String>,
}

/// Where relative names are looked up: the current folder, and the project's root above it.
#[derive(Clone, Copy, Debug)]
pub struct Folders<'a> {
    /// The project's root: the index's paths are relative to it.
    pub root: &'a Path,
    /// The current folder (at or under the root, or anywhere for another project).
    pub current: &'a Path,
}

/// What a name given on the command line stands for.
#[derive(Debug, PartialEq, Eq)]
enum Named {
    /// A glob, passed as it is.
    Glob(String),
    /// A folder of the project: its path from the root, without a trailing `/`; empty for
    /// the root itself.
    Folder(String),
    /// A file of the project: its path from the root.
    File(String),
}

impl Filters {
    /// Whether no filter is given.
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty() && self.excludes.is_empty() && self.langs.is_empty()
    }

    /// Adds the engine's filter fields to a search body.
    pub fn add_to(&self, body: &mut Value, folders: Folders<'_>) {
        let paths: Vec<Named> = self.paths.iter().map(|p| name(p, folders)).collect();
        // The root as a path filter admits everything: it is no filter.
        let paths: Vec<Named> = paths
            .into_iter()
            .filter(|p| *p != Named::Folder(String::new()))
            .collect();
        match paths.as_slice() {
            [] => {}
            [Named::Folder(folder)] => body["pathPrefix"] = json!(format!("{folder}/")),
            many => body["include"] = json!(many.iter().map(glob).collect::<Vec<_>>()),
        }
        if !self.excludes.is_empty() {
            let excludes: Vec<String> = self
                .excludes
                .iter()
                .map(|p| glob(&name(p, folders)))
                .collect();
            body["exclude"] = json!(excludes);
        }
        match self.langs.as_slice() {
            [] => {}
            [one] => body["lang"] = json!(one),
            many => body["lang"] = json!(many),
        }
    }
}

/// What `given` names: a glob when it holds a glob character or names nothing on disk under
/// the project's root; else the folder or file, from the root.
fn name(given: &str, folders: Folders<'_>) -> Named {
    if given.contains(GLOB_CHARACTERS) {
        return Named::Glob(given.to_owned());
    }
    let on_disk = folders.current.join(given);
    let Some(relative) = inside(folders.root, &on_disk) else {
        return Named::Glob(given.to_owned());
    };
    if on_disk.is_dir() {
        Named::Folder(relative)
    } else if on_disk.is_file() {
        Named::File(relative)
    } else {
        Named::Glob(given.to_owned())
    }
}

/// `path`'s path from `root` with `/` separators, `.` and `..` worked out; `None` when it is
/// not under `root`.
fn inside(root: &Path, path: &Path) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    for component in path.strip_prefix(root).ok()?.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
            Component::CurDir => {}
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(parts.join("/"))
}

/// An anchored glob for a folder or file of the project (a folder's matches all it holds),
/// its glob characters escaped; a glob as it is.
fn glob(named: &Named) -> String {
    match named {
        Named::Glob(glob) => glob.clone(),
        Named::Folder(folder) if folder.is_empty() => "**".to_owned(),
        Named::Folder(folder) => format!("/{}/", escaped(folder)),
        Named::File(file) => format!("/{}", escaped(file)),
    }
}

fn escaped(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        if GLOB_CHARACTERS.contains(&c) || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(filters: &Filters, folders: Folders<'_>) -> Value {
        let mut body = json!({});
        filters.add_to(&mut body, folders);
        body
    }

    fn paths(paths: &[&str]) -> Filters {
        Filters {
            paths: paths.iter().map(|p| (*p).to_owned()).collect(),
            ..Filters::default()
        }
    }

    #[test]
    fn a_folder_on_disk_is_a_path_prefix_from_the_root_and_several_paths_are_globs() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("src/cli")).unwrap();
        std::fs::write(root.join("src/cli/b.rs"), "").unwrap();
        std::fs::create_dir_all(root.join("w[1]")).unwrap();
        std::fs::write(root.join("w[1]/x.rs"), "").unwrap();
        let at_root = Folders {
            root,
            current: root,
        };
        let in_src = Folders {
            root,
            current: &root.join("src"),
        };
        assert_eq!(
            body(&paths(&["src/cli"]), at_root),
            json!({"pathPrefix": "src/cli/"})
        );
        assert_eq!(
            body(&paths(&["cli/"]), in_src),
            json!({"pathPrefix": "src/cli/"})
        );
        assert_eq!(body(&paths(&["."]), in_src), json!({"pathPrefix": "src/"}));
        assert_eq!(body(&paths(&[".."]), in_src), json!({}));
        assert_eq!(
            body(&paths(&["cli", "cli/b.rs", "*.ts", "docs"]), in_src),
            json!({"include": ["/src/cli/", "/src/cli/b.rs", "*.ts", "docs"]})
        );
        assert_eq!(
            body(&paths(&["cli/b.rs"]), in_src),
            json!({"include": ["/src/cli/b.rs"]}),
            "one file is an anchored glob"
        );
        assert_eq!(
            body(&paths(&["cli/[ab].rs"]), in_src),
            json!({"include": ["cli/[ab].rs"]}),
            "a glob character makes a glob, passed as given"
        );
        let in_odd = Folders {
            root,
            current: &root.join("w[1]"),
        };
        assert_eq!(
            body(&paths(&["x.rs", "."]), in_odd),
            json!({"include": ["/w\\[1]/x.rs", "/w\\[1]/"]}),
            "a name's glob characters are escaped"
        );
    }

    #[test]
    fn excludes_and_languages_pass_through_and_outside_the_root_is_a_glob() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("project");
        std::fs::create_dir_all(root.join("vendor")).unwrap();
        let folders = Folders {
            root: &root,
            current: &root,
        };
        let filters = Filters {
            paths: vec!["../elsewhere".into()],
            excludes: vec!["vendor".into(), "**/*_test.go".into()],
            langs: vec!["rs".into(), "ts".into()],
        };
        assert_eq!(
            body(&filters, folders),
            json!({"include": ["../elsewhere"], "exclude": ["/vendor/", "**/*_test.go"],
                   "lang": ["rs", "ts"]})
        );
        let one = Filters {
            langs: vec!["py".into()],
            ..Filters::default()
        };
        assert_eq!(body(&one, folders), json!({"lang": "py"}));
        assert!(Filters::default().is_empty());
    }
}

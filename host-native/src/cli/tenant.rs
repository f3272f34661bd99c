//! Who a command of the local tool acts as, for which project, and where its data lives,
//! with defaults so that nobody has to type them: `--user` from `git config user.email` of
//! the folder (else the login name), `--project` from the folder's name, the store in the
//! folder's `.index-sync/`. `index DIR` works on DIR; `search`, `remove` and `mcp` on the
//! project of the current folder (`mcp DIR`: of DIR): the nearest folder at or above it
//! that holds `.index-sync/` (where `index` left its store), else that folder itself. The
//! explicit flags win over every default; `index` prints what it chose, and from where.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The folder, inside a project's root, that holds the local store.
pub const STATE_FOLDER: &str = ".index-sync";
/// The store's file name in [`STATE_FOLDER`].
pub const STORE_FILE: &str = "store.sqlite";

/// The flags every local command shares, all optional.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct TenantArgs {
    /// The user to act as (the authenticated user id a server would pass). Default: `git
    /// config user.email` of the folder, else the login name ($USER, $LOGNAME).
    #[arg(long)]
    pub user: Option<String>,
    /// The project id. Default: the folder's name (`index DIR`: DIR's; the other commands:
    /// the folder holding `.index-sync/` at or above the current one, else the current one).
    #[arg(long)]
    pub project: Option<String>,
    /// The SQLite file holding KV and vectors. Default: `.index-sync/store.sqlite` in that
    /// same folder.
    #[arg(long)]
    pub store: Option<PathBuf>,
}

/// Where a value came from, as `index` prints it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The command line.
    Flag(&'static str),
    /// `git config user.email` of the folder.
    GitEmail,
    /// An environment variable holding the login name.
    Login(&'static str),
    /// The name of the project's folder.
    FolderName,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Flag(flag) => write!(f, "{flag}"),
            Self::GitEmail => write!(f, "git config user.email"),
            Self::Login(variable) => write!(f, "${variable}"),
            Self::FolderName => write!(f, "folder name"),
        }
    }
}

/// A command's tenant and store, every default resolved.
#[derive(Clone, Debug)]
pub struct Tenant {
    /// The user id.
    pub user: String,
    /// Where [`Tenant::user`] came from.
    pub user_from: Source,
    /// The project id.
    pub project: String,
    /// Where [`Tenant::project`] came from.
    pub project_from: Source,
    /// The store's file.
    pub store: PathBuf,
    /// The project's folder on this machine: the paths of its index are relative to it.
    pub root: PathBuf,
}

impl Tenant {
    /// For `index DIR`: the folder being indexed is the project.
    pub fn for_folder(args: &TenantArgs, dir: &Path) -> Result<Self, String> {
        let root = absolute(dir)?;
        Self::resolve(args, root)
    }

    /// For `search`, `remove` and `mcp`: the project of the current folder.
    pub fn for_current_folder(args: &TenantArgs) -> Result<Self, String> {
        let here =
            std::env::current_dir().map_err(|e| format!("cannot tell the current folder: {e}"))?;
        Self::inside(args, &here)
    }

    /// The project of the folder `start` is in: the nearest folder at or above it that
    /// holds [`STATE_FOLDER`], else `start` itself.
    pub fn inside(args: &TenantArgs, start: &Path) -> Result<Self, String> {
        let start = absolute(start)?;
        let root = project_root(&start).unwrap_or(start);
        Self::resolve(args, root)
    }

    fn resolve(args: &TenantArgs, root: PathBuf) -> Result<Self, String> {
        let (user, user_from) = match &args.user {
            Some(user) => (user.clone(), Source::Flag("--user")),
            None => default_user(&root, &|name| std::env::var(name).ok())?,
        };
        let (project, project_from) = match &args.project {
            Some(project) => (project.clone(), Source::Flag("--project")),
            None => (folder_name(&root)?, Source::FolderName),
        };
        let store = args
            .store
            .clone()
            .unwrap_or_else(|| root.join(STATE_FOLDER).join(STORE_FILE));
        Ok(Self {
            user,
            user_from,
            project,
            project_from,
            store,
            root,
        })
    }

    /// The line `index` prints so that nobody is surprised by a default.
    pub fn line(&self) -> String {
        format!(
            "user {} ({}), project {} ({})",
            self.user, self.user_from, self.project, self.project_from
        )
    }

    /// Whether the project's files are those under [`Tenant::root`]: the project was not
    /// named on the command line, or was named as the folder is. Only then does a result's
    /// path name a file on this machine.
    pub fn is_local_folder(&self) -> bool {
        folder_name(&self.root).is_ok_and(|name| name == self.project)
    }
}

/// The nearest folder at or above `start` that holds [`STATE_FOLDER`].
pub fn project_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| dir.join(STATE_FOLDER).is_dir())
        .map(Path::to_path_buf)
}

fn absolute(dir: &Path) -> Result<PathBuf, String> {
    dir.canonicalize()
        .map_err(|e| format!("{}: {e}", dir.display()))
}

fn folder_name(root: &Path) -> Result<String, String> {
    root.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .filter(|name| !name.is_empty())
        .ok_or_else(|| {
            format!(
                "{} has no name to use as the project: pass --project",
                root.display()
            )
        })
}

/// `git config user.email` in `dir`, else the login name from `env` ($USER, then $LOGNAME),
/// else an error asking for `--user`.
pub fn default_user(
    dir: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(String, Source), String> {
    if let Some(email) = git_email(dir) {
        return Ok((email, Source::GitEmail));
    }
    for variable in ["USER", "LOGNAME"] {
        if let Some(name) = env(variable).map(|v| v.trim().to_owned())
            && !name.is_empty()
        {
            return Ok((name, Source::Login(variable)));
        }
    }
    Err(format!(
        "cannot tell which user to act as: `git config user.email` gives none in {}, and \
         neither USER nor LOGNAME is set: pass --user",
        dir.display()
    ))
}

/// The e-mail git would sign commits in `dir` with; `None` when git is missing, fails, or
/// has none.
fn git_email(dir: &Path) -> Option<String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["config", "user.email"])
        .output()
        .ok()?;
    let email = String::from_utf8(output.stdout).ok()?.trim().to_owned();
    (output.status.success() && !email.is_empty()).then_some(email)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn git(dir: &Path, args: &[&str]) -> bool {
        Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .output()
            .is_ok_and(|o| o.status.success())
    }

    #[test]
    fn the_user_is_the_folders_git_email_else_the_login_name_else_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let no_env = |_: &str| None;
        let logname = |name: &str| (name == "LOGNAME").then(|| "carol".to_owned());
        // Outside any repository with an e-mail of its own, git may still find a global
        // one; only a repository's own setting is certain here.
        if git(dir.path(), &["init", "-q"])
            && git(dir.path(), &["config", "user.email", "alice@example.com"])
        {
            assert_eq!(
                default_user(dir.path(), &no_env).unwrap(),
                ("alice@example.com".to_owned(), Source::GitEmail)
            );
            assert!(git(dir.path(), &["config", "user.email", ""]));
        }
        if git_email(dir.path()).is_none() {
            assert_eq!(
                default_user(dir.path(), &logname).unwrap(),
                ("carol".to_owned(), Source::Login("LOGNAME"))
            );
            let error = default_user(dir.path(), &no_env).unwrap_err();
            assert!(error.contains("pass --user"), "{error}");
        }
    }

    #[test]
    fn the_project_is_the_folder_holding_the_store_at_or_above_the_current_one() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("demo");
        std::fs::create_dir_all(root.join(STATE_FOLDER)).unwrap();
        std::fs::create_dir_all(root.join("src/deep")).unwrap();
        assert_eq!(project_root(&root.join("src/deep")), Some(root.clone()));
        let args = TenantArgs {
            user: Some("u".into()),
            ..TenantArgs::default()
        };
        let tenant = Tenant::resolve(&args, root.clone()).unwrap();
        assert_eq!(tenant.project, "demo");
        assert_eq!(tenant.project_from, Source::FolderName);
        assert_eq!(tenant.store, root.join(".index-sync/store.sqlite"));
        assert!(tenant.is_local_folder());
        assert_eq!(tenant.line(), "user u (--user), project demo (folder name)");
        let named = TenantArgs {
            project: Some("other".into()),
            ..args
        };
        assert!(!Tenant::resolve(&named, root).unwrap().is_local_folder());
    }
}

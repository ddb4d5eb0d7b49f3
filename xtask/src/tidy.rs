//! `cargo xtask tidy`: the checks that keep the workspace honest and that
//! neither the compiler nor clippy makes.
//!
//! - **Layering**: every workspace crate's normal (non-dev) dependencies on
//!   other workspace crates are allowed by the "may depend on" column of the
//!   table in `docs/ARCHITECTURE.md`, and every crate has a row.
//! - **Machine paths**: no absolute path of one machine (`/work/`, `/root/`,
//!   `/home/`, `/Users/`) in the docs or in tracked code, scripts and
//!   manifests.
//! - **Lints**: every crate opts into the workspace lints (`[lints]`,
//!   `workspace = true`), so `missing_docs` and the rest apply to it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context};

use crate::peer::workspace_root;

/// The architecture document holding the layering table.
const ARCHITECTURE: &str = "docs/ARCHITECTURE.md";

/// The header of the layering table (cells compared trimmed).
const TABLE_HEADER: [&str; 3] = ["crate", "job", "may depend on"];

/// Runs every check and fails with all the problems found.
pub fn run() -> anyhow::Result<()> {
    let root = workspace_root();
    let crates = workspace_crates(&root)?;
    let mut problems = Vec::new();

    let doc = std::fs::read_to_string(root.join(ARCHITECTURE))
        .with_context(|| format!("reading {ARCHITECTURE}"))?;
    match parse_table(&doc) {
        Ok(rows) => problems.extend(check_layering(&rows, &crates)),
        Err(e) => problems.push(format!("{ARCHITECTURE}: {e}")),
    }
    problems.extend(check_paths(&root)?);
    problems.extend(check_lints(&root, &crates)?);

    if problems.is_empty() {
        println!(
            "tidy: {} crates layered as {ARCHITECTURE} says, no machine paths, workspace lints everywhere",
            crates.len()
        );
        return Ok(());
    }
    for problem in &problems {
        eprintln!("tidy: {problem}");
    }
    bail!("tidy found {} problem(s)", problems.len())
}

/// What a row of the table lets a crate depend on.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Allowed {
    /// "third-party only": no workspace crate.
    None,
    /// "all library crates": any workspace crate.
    Any,
    /// The backticked crate names listed.
    Only(BTreeSet<String>),
}

/// One row of the layering table.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Row {
    /// The crate's directory, relative to the workspace root (`crates/knn`).
    path: String,
    /// What it may depend on.
    allowed: Allowed,
}

/// A workspace crate and its normal dependencies on other workspace crates.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Crate {
    /// The package name (`annoy-rs`).
    name: String,
    /// Its directory, relative to the workspace root, with `/` separators.
    path: String,
    /// Names of the workspace crates among its normal and build dependencies.
    deps: BTreeSet<String>,
}

/// The texts between pairs of backticks in `cell`.
fn backticked(cell: &str) -> Vec<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .map(|s| s.trim().to_string())
        .collect()
}

/// The cells of a Markdown table line, trimmed, without the outer pipes.
fn cells(line: &str) -> Vec<&str> {
    let line = line.trim();
    let line = line.strip_prefix('|').unwrap_or(line);
    let line = line.strip_suffix('|').unwrap_or(line);
    line.split('|').map(str::trim).collect()
}

/// Parses the "| crate | job | may depend on |" table of ARCHITECTURE.md.
fn parse_table(doc: &str) -> anyhow::Result<Vec<Row>> {
    let mut lines = doc.lines().enumerate();
    lines
        .by_ref()
        .find(|(_, line)| cells(line) == TABLE_HEADER)
        .context("no \"| crate | job | may depend on |\" table")?;
    match lines.next() {
        Some((_, line)) if line.trim_start().starts_with("|-") => {}
        _ => bail!("the layering table's header is not followed by a |---| line"),
    }
    let mut rows = Vec::new();
    for (number, line) in lines {
        if !line.trim_start().starts_with('|') {
            break;
        }
        let number = number + 1;
        let cells = cells(line);
        if cells.len() != TABLE_HEADER.len() {
            bail!("line {number}: expected 3 cells, found {}", cells.len());
        }
        let path = match backticked(cells[0]).as_slice() {
            [path] if !path.is_empty() => path.trim_end_matches('/').to_string(),
            _ => bail!("line {number}: the crate cell must be one backticked path"),
        };
        let rule = cells[2];
        let allowed = if rule.starts_with("third-party only") {
            Allowed::None
        } else if rule.starts_with("all library crates") {
            Allowed::Any
        } else {
            let names: BTreeSet<String> = backticked(rule).into_iter().collect();
            if names.is_empty() {
                bail!(
                    "line {number}: `{path}` may depend on {rule:?}: expected \"third-party only\", \
                     \"all library crates\" or backticked crate names"
                );
            }
            Allowed::Only(names)
        };
        rows.push(Row { path, allowed });
    }
    if rows.is_empty() {
        bail!("the layering table has no rows");
    }
    Ok(rows)
}

/// Every dependency the table does not allow, every crate without a row,
/// and every row or allowed name that is no workspace crate.
fn check_layering(rows: &[Row], crates: &[Crate]) -> Vec<String> {
    let mut problems = Vec::new();
    let by_path: BTreeMap<&str, &Row> = rows.iter().map(|r| (r.path.as_str(), r)).collect();
    let names: BTreeSet<&str> = crates.iter().map(|c| c.name.as_str()).collect();
    let paths: BTreeSet<&str> = crates.iter().map(|c| c.path.as_str()).collect();
    for row in rows {
        if !paths.contains(row.path.as_str()) {
            problems.push(format!(
                "{ARCHITECTURE} has a row for `{}`, which is no workspace crate",
                row.path
            ));
        }
        if let Allowed::Only(allowed) = &row.allowed {
            for name in allowed.iter().filter(|n| !names.contains(n.as_str())) {
                problems.push(format!(
                    "{ARCHITECTURE}: `{}` may depend on `{name}`, which is no workspace crate",
                    row.path
                ));
            }
        }
    }
    for krate in crates {
        let Some(row) = by_path.get(krate.path.as_str()) else {
            problems.push(format!(
                "crate `{}` ({}) has no row in {ARCHITECTURE}'s layering table",
                krate.name, krate.path
            ));
            continue;
        };
        for dep in &krate.deps {
            let ok = match &row.allowed {
                Allowed::None => false,
                Allowed::Any => true,
                Allowed::Only(allowed) => allowed.contains(dep),
            };
            if !ok {
                problems.push(format!(
                    "layering: crate `{}` depends on `{dep}`, which {ARCHITECTURE} does not allow \
                     (its row says: {})",
                    krate.name,
                    describe(&row.allowed)
                ));
            }
        }
    }
    problems
}

/// The table's rule, back in words.
fn describe(allowed: &Allowed) -> String {
    match allowed {
        Allowed::None => "third-party only".into(),
        Allowed::Any => "all library crates".into(),
        Allowed::Only(names) => names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// The workspace's crates, from `cargo metadata --no-deps`.
fn workspace_crates(root: &Path) -> anyhow::Result<Vec<Crate>> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(&cargo)
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(root)
        .output()
        .with_context(|| format!("running {} metadata", cargo.to_string_lossy()))?;
    if !output.status.success() {
        bail!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).context("parsing cargo metadata's output")?;
    crates_from_metadata(&metadata)
}

/// The workspace's crates from `cargo metadata --no-deps`'s JSON.
fn crates_from_metadata(metadata: &serde_json::Value) -> anyhow::Result<Vec<Crate>> {
    let root = metadata["workspace_root"]
        .as_str()
        .context("cargo metadata without workspace_root")?;
    let packages = metadata["packages"]
        .as_array()
        .context("cargo metadata without packages")?;
    let names: BTreeSet<&str> = packages.iter().filter_map(|p| p["name"].as_str()).collect();
    let mut crates = Vec::new();
    for package in packages {
        let name = package["name"].as_str().context("a package without name")?;
        let manifest = package["manifest_path"]
            .as_str()
            .with_context(|| format!("package {name} without manifest_path"))?;
        let dir = Path::new(manifest)
            .parent()
            .with_context(|| format!("package {name}'s manifest has no directory"))?;
        let path = dir
            .strip_prefix(root)
            .with_context(|| format!("package {name} lies outside the workspace"))?
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        let deps = package["dependencies"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            // `kind` is null for normal dependencies, "build" or "dev" otherwise.
            .filter(|d| d["kind"].as_str() != Some("dev"))
            .filter_map(|d| d["name"].as_str())
            .filter(|d| names.contains(d) && *d != name)
            .map(String::from)
            .collect();
        crates.push(Crate {
            name: name.to_string(),
            path,
            deps,
        });
    }
    crates.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(crates)
}

/// Directories that only make sense on one machine.
const MACHINE_DIRS: &[&str] = &["/work/", "/root/", "/home/", "/Users/"];

/// Files the path check skips: this module names the directories it looks for.
const PATH_CHECK_SKIPS: &[&str] = &["xtask/src/tidy.rs"];

/// Every machine-specific absolute path in tracked `*.md`, `*.rs`, `*.py`,
/// `*.sh` and `*.toml` files, and in docs not yet added to git.
fn check_paths(root: &Path) -> anyhow::Result<Vec<String>> {
    let output = Command::new("git")
        .args([
            "ls-files", "-z", "--", "*.rs", "*.py", "*.sh", "*.toml", "*.md",
        ])
        .current_dir(root)
        .output()
        .context("running git ls-files")?;
    if !output.status.success() {
        bail!(
            "git ls-files failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let mut files: BTreeSet<String> = String::from_utf8_lossy(&output.stdout)
        .split('\0')
        .filter(|f| !f.is_empty())
        .map(String::from)
        .collect();
    // Docs not yet added to git are checked too.
    collect_markdown(root, &root.join("docs"), &mut files)?;
    if root.join("README.md").is_file() {
        files.insert("README.md".into());
    }
    let mut problems = Vec::new();
    for file in files
        .iter()
        .filter(|f| !PATH_CHECK_SKIPS.contains(&f.as_str()))
    {
        // A tracked file deleted in the work tree has nothing to check.
        let Ok(text) = std::fs::read_to_string(root.join(file)) else {
            continue;
        };
        for (number, line) in text.lines().enumerate() {
            if let Some(dir) = machine_path(line) {
                problems.push(format!(
                    "{file}:{}: machine-specific path `{dir}` (use a path relative to the \
                     workspace, a temporary directory or $HOME): {}",
                    number + 1,
                    line.trim()
                ));
            }
        }
    }
    Ok(problems)
}

/// Adds the `*.md` files under `dir` to `files`, relative to `root`.
fn collect_markdown(root: &Path, dir: &Path, files: &mut BTreeSet<String>) -> anyhow::Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries {
        let path = entry?.path();
        if path.is_dir() {
            collect_markdown(root, &path, files)?;
        } else if path.extension().is_some_and(|e| e == "md") {
            if let Ok(relative) = path.strip_prefix(root) {
                let relative = relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                files.insert(relative);
            }
        }
    }
    Ok(())
}

/// The first machine directory that starts an absolute path in `line`:
/// one not preceded by a name character (so `~/work/`, `$HOME/work/` and
/// URLs such as `https://host/home/` are not flagged).
fn machine_path(line: &str) -> Option<&'static str> {
    MACHINE_DIRS.iter().copied().find(|dir| {
        line.match_indices(dir).any(|(at, _)| {
            let before = line[..at].chars().next_back();
            !before.is_some_and(|c| c.is_alphanumeric() || "._-~/$}".contains(c))
        })
    })
}

/// Every crate whose manifest does not opt into the workspace lints.
fn check_lints(root: &Path, crates: &[Crate]) -> anyhow::Result<Vec<String>> {
    let mut problems = Vec::new();
    for krate in crates {
        let manifest = Path::new(&krate.path).join("Cargo.toml");
        let text = std::fs::read_to_string(root.join(&manifest))
            .with_context(|| format!("reading {}", manifest.display()))?;
        if !uses_workspace_lints(&text) {
            problems.push(format!(
                "{}: crate `{}` lacks `[lints]` with `workspace = true`, so the workspace lints \
                 (missing_docs among them) do not apply to it",
                manifest.display(),
                krate.name
            ));
        }
    }
    Ok(problems)
}

/// Whether a manifest has `[lints]` with `workspace = true` (or the same as
/// a dotted key or an inline table).
fn uses_workspace_lints(manifest: &str) -> bool {
    let squash = |line: &str| -> String {
        let line = line.split('#').next().unwrap_or("");
        line.chars().filter(|c| !c.is_whitespace()).collect()
    };
    let mut section = String::new();
    for line in manifest.lines().map(squash) {
        if line.starts_with('[') {
            section = line;
            continue;
        }
        let found = match section.as_str() {
            "" => line == "lints.workspace=true" || line == "lints={workspace=true}",
            "[lints]" => line == "workspace=true",
            _ => false,
        };
        if found {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "\
# Architecture

| crate | job | may depend on |
|---|---|---|
| `crates/base` | writes files | third-party only |
| `crates/mid` | uses base | `base` |
| `crates/top` | the binary | all library crates |
| `crates/helper` | test helper | third-party only (a dev-dependency) |

Text after the table.

| crate | state |
|---|---|
| base | done |
";

    fn krate(name: &str, deps: &[&str]) -> Crate {
        Crate {
            name: name.into(),
            path: format!("crates/{name}"),
            deps: deps.iter().map(|d| d.to_string()).collect(),
        }
    }

    #[test]
    fn parses_the_layering_table() {
        let rows = parse_table(DOC).unwrap();
        let only = |names: &[&str]| Allowed::Only(names.iter().map(|n| n.to_string()).collect());
        assert_eq!(
            rows,
            vec![
                Row {
                    path: "crates/base".into(),
                    allowed: Allowed::None
                },
                Row {
                    path: "crates/mid".into(),
                    allowed: only(&["base"])
                },
                Row {
                    path: "crates/top".into(),
                    allowed: Allowed::Any
                },
                Row {
                    path: "crates/helper".into(),
                    allowed: Allowed::None
                },
            ]
        );
    }

    #[test]
    fn the_table_must_exist_and_name_what_a_crate_may_use() {
        assert!(parse_table("# no table\n").is_err());
        let vague = "| crate | job | may depend on |\n|---|---|---|\n| `a` | x | whatever |\n";
        assert!(parse_table(vague).is_err());
    }

    #[test]
    fn allowed_edges_pass_and_forbidden_ones_name_both_crates() {
        let rows = parse_table(DOC).unwrap();
        let allowed = [
            krate("base", &[]),
            krate("mid", &["base"]),
            krate("top", &["mid", "base"]),
            krate("helper", &[]),
        ];
        assert_eq!(check_layering(&rows, &allowed), Vec::<String>::new());

        let forbidden = [
            krate("base", &["mid"]),
            krate("mid", &["base"]),
            krate("top", &[]),
            krate("helper", &[]),
        ];
        let problems = check_layering(&rows, &forbidden);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].contains("`base` depends on `mid`"),
            "{problems:?}"
        );
    }

    #[test]
    fn every_crate_needs_a_row_and_every_row_a_crate() {
        let rows = parse_table(DOC).unwrap();
        let crates = [
            krate("base", &[]),
            krate("mid", &["base"]),
            krate("top", &[]),
            krate("extra", &[]),
        ];
        let problems = check_layering(&rows, &crates);
        assert!(problems
            .iter()
            .any(|p| p.contains("`extra`") && p.contains("no row")));
        assert!(problems
            .iter()
            .any(|p| p.contains("`crates/helper`") && p.contains("no workspace crate")));
    }

    #[test]
    fn reads_normal_workspace_dependencies_from_cargo_metadata() {
        let metadata = serde_json::json!({
            "workspace_root": "/ws",
            "packages": [
                {
                    "name": "mid",
                    "manifest_path": "/ws/crates/mid/Cargo.toml",
                    "dependencies": [
                        {"name": "base", "kind": null},
                        {"name": "top", "kind": "dev"},
                        {"name": "serde", "kind": null}
                    ]
                },
                {"name": "base", "manifest_path": "/ws/crates/base/Cargo.toml", "dependencies": []},
                {"name": "top", "manifest_path": "/ws/top/Cargo.toml", "dependencies": []}
            ]
        });
        let crates = crates_from_metadata(&metadata).unwrap();
        let mid = crates.iter().find(|c| c.name == "mid").unwrap();
        assert_eq!(mid.path, "crates/mid");
        assert_eq!(mid.deps, BTreeSet::from(["base".to_string()]));
        assert_eq!(crates.iter().find(|c| c.name == "top").unwrap().path, "top");
    }

    #[test]
    fn flags_machine_paths_only() {
        assert_eq!(machine_path("see /home/alice/data"), Some("/home/"));
        assert_eq!(machine_path("cd /work/main && ls"), Some("/work/"));
        assert_eq!(machine_path("\"/Users/bob/x\""), Some("/Users/"));
        assert_eq!(machine_path("/root/.cache"), Some("/root/"));
        assert_eq!(machine_path("~/work/x and $HOME/work/y"), None);
        assert_eq!(machine_path("https://example.invalid/home/page"), None);
        assert_eq!(machine_path("/dev/zero, /tmp/x, crates/work/x"), None);
    }

    #[test]
    fn recognises_workspace_lints() {
        assert!(uses_workspace_lints(
            "[package]\nname = \"a\"\n\n[lints]\nworkspace = true\n"
        ));
        assert!(uses_workspace_lints("lints.workspace = true\n[package]\n"));
        assert!(uses_workspace_lints("lints = { workspace = true }\n"));
        assert!(!uses_workspace_lints("[package]\nname = \"a\"\n"));
        assert!(!uses_workspace_lints(
            "[lints]\n[dependencies]\nworkspace = true\n"
        ));
        assert!(!uses_workspace_lints("[lints]\n# workspace = true\n"));
    }
}

//! The list of recently opened files, kept in the user's config folder.

use std::path::{Path, PathBuf};

const KEEP: usize = 10;

/// Recent files, newest first.
#[derive(Clone, Debug, Default)]
pub struct Recent {
    /// The files, newest first.
    pub files: Vec<PathBuf>,
    /// Where the list is saved; `None` keeps it in memory only (tests).
    store: Option<PathBuf>,
}

impl Recent {
    /// The list saved in `$XDG_CONFIG_HOME/taskscope/recent.txt` (or `~/.config/...`).
    pub fn load() -> Recent {
        let store = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
            .map(|dir| dir.join("taskscope").join("recent.txt"));
        let files = store
            .as_deref()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .map(|text| {
                text.lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(PathBuf::from)
                    .take(KEEP)
                    .collect()
            })
            .unwrap_or_default();
        Recent { files, store }
    }

    /// A list that is never saved.
    pub fn in_memory() -> Recent {
        Recent::default()
    }

    /// Puts `path` first and saves the list (best effort: a read-only home is no error
    /// worth interrupting the user for).
    pub(crate) fn add(&mut self, path: &Path) {
        let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        self.files.retain(|p| p != &path);
        self.files.insert(0, path);
        self.files.truncate(KEEP);
        if let Some(store) = &self.store {
            let text: String = self
                .files
                .iter()
                .map(|p| format!("{}\n", p.display()))
                .collect();
            if let Some(dir) = store.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            let _ = taskscope_core::write_atomically(store, |w| w.write_all(text.as_bytes()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newest_first_without_duplicates() {
        let mut r = Recent::in_memory();
        for name in ["/a", "/b", "/a"] {
            r.add(Path::new(name));
        }
        assert_eq!(r.files, vec![PathBuf::from("/a"), PathBuf::from("/b")]);
        for i in 0..20 {
            r.add(Path::new(&format!("/f{i}")));
        }
        assert_eq!(r.files.len(), KEEP);
        assert_eq!(r.files[0], PathBuf::from("/f19"));
    }
}

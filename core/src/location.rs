//! Where a chunk's code is: a file, and the lines it spans there when the client says. A
//! chunk's locations are kept in its vector's metadata (`locations`), so that any answering
//! side, the Worker's included, can name `path:start-end` without a checkout; they are part
//! of what its marker names, so code that only moved within its files is sent again and
//! re-upserted from the shared cache with its new lines, never summarised again.

/// A range of lines, 1-based and inclusive: `start <= end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Lines {
    /// The first line.
    pub start: u32,
    /// The last line.
    pub end: u32,
}

/// One place of a chunk's code. Ordered by path (bytes), then lines (none first), which is
/// the order digests and metadata list them in.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    /// The file, relative to the project's root.
    pub file_path: String,
    /// The lines, when the client gave them.
    pub lines: Option<Lines>,
}

/// Anything that names one place: a path alone (a listing without lines, as before lines
/// existed) or a [`Location`]. The digests take either, so callers that know no lines keep
/// passing paths.
pub trait Place {
    /// The file.
    fn path(&self) -> &str;
    /// The lines, if known.
    fn lines(&self) -> Option<Lines>;
}

impl<T: AsRef<str> + ?Sized> Place for T {
    fn path(&self) -> &str {
        self.as_ref()
    }

    fn lines(&self) -> Option<Lines> {
        None
    }
}

impl Place for Location {
    fn path(&self) -> &str {
        &self.file_path
    }

    fn lines(&self) -> Option<Lines> {
        self.lines
    }
}

/// The distinct places of `places`, sorted as [`Location`]s are.
pub(crate) fn distinct<P: Place>(places: &[P]) -> Vec<(&str, Option<Lines>)> {
    let mut sorted = Vec::with_capacity(places.len());
    distinct_into(places, &mut sorted);
    sorted
}

/// [`distinct`] into a buffer that is reused: a listing digest sorts the places of every
/// hash of a listing.
pub(crate) fn distinct_into<'a, P: Place>(
    places: &'a [P],
    into: &mut Vec<(&'a str, Option<Lines>)>,
) {
    into.clear();
    into.extend(places.iter().map(|p| (p.path(), p.lines())));
    into.sort_unstable();
    into.dedup();
}

impl Location {
    /// How vector metadata spells it: `path:start-end`; a path alone when it has no lines,
    /// with a `:` after it when the path holds a `:` itself, so that reading from the
    /// right is never fooled by a path that ends like a line range.
    pub fn to_metadata(&self) -> String {
        match (self.lines, self.file_path.contains(':')) {
            (Some(Lines { start, end }), _) => format!("{}:{start}-{end}", self.file_path),
            (None, true) => format!("{}:", self.file_path),
            (None, false) => self.file_path.clone(),
        }
    }

    /// Reads [`Location::to_metadata`]'s spelling, from the right: what follows the last
    /// `:` is a line range, or nothing; a string without a `:`, or with anything else
    /// after it (written by no version of the engine), is a path alone.
    pub fn from_metadata(text: &str) -> Self {
        let whole = || Self {
            file_path: text.to_owned(),
            lines: None,
        };
        let Some((path, tail)) = text.rsplit_once(':') else {
            return whole();
        };
        if tail.is_empty() {
            return Self {
                file_path: path.to_owned(),
                lines: None,
            };
        }
        let range = tail.split_once('-').and_then(|(start, end)| {
            let number = |s: &str| {
                (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| s.parse::<u32>().ok())
                    .flatten()
            };
            Some(Lines {
                start: number(start)?,
                end: number(end)?,
            })
        });
        match range {
            Some(lines) if 1 <= lines.start && lines.start <= lines.end => Self {
                file_path: path.to_owned(),
                lines: Some(lines),
            },
            _ => whole(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(path: &str, lines: Option<(u32, u32)>) -> Location {
        Location {
            file_path: path.into(),
            lines: lines.map(|(start, end)| Lines { start, end }),
        }
    }

    #[test]
    fn metadata_spells_each_location_and_reads_it_back_from_the_right() {
        for location in [
            at("src/a.rs", Some((3, 14))),
            at("src/a.rs", None),
            at("odd:name.rs", Some((1, 1))),
            at("odd:name.rs", None),
            at("looks:1-2", None),
            at("looks:1-2", Some((7, 9))),
            at("ends:", None),
        ] {
            let text = location.to_metadata();
            assert_eq!(Location::from_metadata(&text), location, "{text}");
        }
        assert_eq!(at("src/a.rs", Some((3, 14))).to_metadata(), "src/a.rs:3-14");
        assert_eq!(at("src/a.rs", None).to_metadata(), "src/a.rs");
        assert_eq!(at("looks:1-2", None).to_metadata(), "looks:1-2:");
        for foreign in [
            "a:b",
            "a:3-",
            "a:-3",
            "a:4-3",
            "a:0-1",
            "a:x-1",
            "a:99999999999-1",
        ] {
            assert_eq!(
                Location::from_metadata(foreign),
                at(foreign, None),
                "{foreign}"
            );
        }
    }

    #[test]
    fn places_sort_by_path_then_lines_none_first_each_once() {
        let places = [
            at("b", Some((1, 2))),
            at("a", Some((5, 6))),
            at("a", None),
            at("a", Some((1, 9))),
            at("b", Some((1, 2))),
        ];
        let sorted = distinct(&places);
        let want: Vec<(&str, Option<Lines>)> = vec![
            ("a", None),
            ("a", Some(Lines { start: 1, end: 9 })),
            ("a", Some(Lines { start: 5, end: 6 })),
            ("b", Some(Lines { start: 1, end: 2 })),
        ];
        assert_eq!(sorted, want);
        assert_eq!(distinct(&["b", "a", "b"]), [("a", None), ("b", None)]);
    }
}

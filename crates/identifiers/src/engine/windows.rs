//! Windows: the byte ranges where a detector's matches can lie. Each is an exact superset:
//! every match of a bounded regex lies inside the window of the anchor it contains, of a
//! keyword within reach, or of its own end.

use super::{Detector, Reach};

/// Appends a window, folding it into the last one when they overlap (hits arrive in
/// ascending order of end, so most folds happen here and `merge` has little left to do).
pub(super) fn push_window(wins: &mut Vec<(usize, usize)>, w: (usize, usize)) {
    if let Some(last) = wins.last_mut() {
        if w.0 >= last.0 && w.0 <= last.1 {
            last.1 = last.1.max(w.1);
            return;
        }
    }
    wins.push(w);
}

/// Sorts windows and folds the overlapping ones together, in place (this runs for every
/// detector searched, once per CSV cell or JSON value: no allocation).
fn merge(wins: &mut Vec<(usize, usize)>) {
    if wins.len() < 2 {
        return;
    }
    wins.sort_unstable();
    let mut kept = 0;
    for i in 1..wins.len() {
        let (s, e) = wins[i];
        let last = &mut wins[kept];
        if s <= last.1 {
            last.1 = last.1.max(e);
        } else {
            kept += 1;
            wins[kept] = (s, e);
        }
    }
    wins.truncate(kept + 1);
}

/// The window of an anchor the prefilter found at `[start, end)`, for a detector whose matches
/// are at most `reach` long.
pub(super) fn anchor_window(
    (start, end): (usize, usize),
    reach: usize,
    len: usize,
) -> (usize, usize) {
    (start.saturating_sub(reach), (end + reach).min(len))
}

/// The window of an anchor the keyword trie found at `[s, e)`. The trie sees an anchor only at
/// a word start, so a match that begins after a letter or digit has no window of its own;
/// backed off by one more match length, like a keyword window, the search is in step with a
/// whole-buffer search (which such a match may have moved along) by the time it reaches the
/// anchor.
pub(super) fn trie_anchor_window(
    (s, e): (usize, usize),
    reach: usize,
    len: usize,
) -> (usize, usize) {
    (s.saturating_sub(2 * reach), (e + reach).min(len))
}

/// Completes a detector's windows `wins` in a buffer `len` bytes long, given its keywords
/// `kws` (sorted) and whether they gate it (`gated`: its keyword rule requires one and the
/// structural context holds none). Sorts and merges them; false when it has nothing to
/// search.
pub(super) fn detector_windows(
    det: &Detector,
    gated: bool,
    kws: &[(usize, usize)],
    wins: &mut Vec<(usize, usize)>,
    len: usize,
) -> bool {
    match det.reach {
        Reach::Keywords if gated && det.max_len.is_some() => {
            // A keyword window holds every match near its keyword. Its start is backed
            // off by two more match lengths, so that the search is in step with a
            // whole-buffer search by the time it reaches the keyword's reach (a regex
            // whose matches can overlap at different starts tokenises by position).
            let max_len = det.max_len.unwrap_or(0);
            let reach = det.max_distance + max_len;
            wins.extend(
                kws.iter()
                    .map(|&(s, e)| (s.saturating_sub(reach + 2 * max_len), (e + reach).min(len))),
            );
        }
        Reach::Anchors | Reach::Batch => {
            if wins.is_empty() {
                return false;
            }
        }
        Reach::Keywords | Reach::Everywhere => wins.push((0, len)),
    }
    merge(wins);
    true
}

#[cfg(test)]
mod tests {
    use super::merge;

    type Windows = &'static [(usize, usize)];

    #[test]
    fn merge_folds_overlapping_and_touching_windows_in_order() {
        let cases: &[(Windows, Windows)] = &[
            (&[], &[]),
            (&[(3, 5)], &[(3, 5)]),
            (
                &[(10, 20), (0, 5), (5, 7), (19, 30), (40, 41)],
                &[(0, 7), (10, 30), (40, 41)],
            ),
            (&[(0, 100), (10, 20), (30, 40)], &[(0, 100)]),
            (&[(8, 9), (1, 2), (4, 6)], &[(1, 2), (4, 6), (8, 9)]),
        ];
        for (input, want) in cases {
            let mut wins = input.to_vec();
            merge(&mut wins);
            assert_eq!(&wins, want, "{input:?}");
        }
    }
}

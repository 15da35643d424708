//! Windows: the byte ranges where a detector's match can lie.

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

pub(super) fn merge(wins: &mut Vec<(usize, usize)>) {
    wins.sort_unstable();
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(wins.len());
    for &(s, e) in wins.iter() {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    *wins = out;
}

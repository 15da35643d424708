//! Rewriting generated text into a kind's syntax: JSON arrays, quoted CSV blocks, YAML.

/// JSON lines as a JSON array; each run of other lines (a planted block) becomes one string.
pub(super) fn json_array(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + text.len() / 16);
    out.extend_from_slice(b"[");
    let mut pending: Vec<&[u8]> = Vec::new();
    let mut first = true;
    let mut element = |out: &mut Vec<u8>, bytes: &[u8]| {
        out.extend_from_slice(if first { b"\n  " } else { b",\n  " });
        first = false;
        out.extend_from_slice(bytes);
    };
    for line in text.split(|&b| b == b'\n') {
        if line.first() == Some(&b'{') || line.is_empty() {
            if !pending.is_empty() {
                element(&mut out, &json_string(&pending));
                pending.clear();
            }
            if !line.is_empty() {
                element(&mut out, line);
            }
        } else {
            pending.push(line);
        }
    }
    if !pending.is_empty() {
        element(&mut out, &json_string(&pending));
    }
    out.extend_from_slice(b"\n]\n");
    out
}

/// `lines` joined by newlines as one JSON string.
fn json_string(lines: &[&[u8]]) -> Vec<u8> {
    let mut s = vec![b'"'];
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            s.extend_from_slice(b"\\n");
        }
        for &b in *line {
            match b {
                b'"' | b'\\' => s.extend_from_slice(&[b'\\', b]),
                b'\t' => s.extend_from_slice(b"\\t"),
                b'\r' => s.extend_from_slice(b"\\r"),
                _ => s.push(b),
            }
        }
    }
    s.push(b'"');
    s
}

/// CSV tables with each run of lines that are not rows of the table above (a planted block)
/// made one quoted field, so that a CSV reader keeps the block whole.
pub(super) fn csv_quoted(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + 64);
    let mut commas = None;
    let mut pending: Vec<&[u8]> = Vec::new();
    for line in text.split_inclusive(|&b| b == b'\n') {
        let n = line.iter().filter(|&&b| b == b',').count();
        let header = [&b"order_id,"[..], b"customer_id,", b"timestamp_ms,"]
            .iter()
            .any(|h| line.starts_with(h));
        let row = header || line == b"\n" || commas == Some(n);
        if row && !pending.is_empty() {
            out.push(b'"');
            for &b in pending.concat().strip_suffix(b"\n").unwrap_or_default() {
                out.extend_from_slice(if b == b'"' {
                    b"\"\""
                } else {
                    std::slice::from_ref(&b)
                });
            }
            out.extend_from_slice(b"\"\n");
            pending.clear();
        }
        if !row {
            pending.push(line);
            continue;
        }
        // A blank line ends a table.
        commas = (line != b"\n").then_some(n);
        out.extend_from_slice(line);
    }
    out
}

/// Configuration blocks as YAML: `[name]` or `# name environment` opens a mapping, `key = value`
/// and `KEY=value` become `  key: value`; other lines stay.
pub(super) fn yaml(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + text.len() / 16);
    for line in text.split_inclusive(|&b| b == b'\n') {
        let body = line.strip_suffix(b"\n").unwrap_or(line);
        if let Some(name) = body.strip_prefix(b"[").and_then(|b| b.strip_suffix(b"]")) {
            out.extend_from_slice(name);
            out.extend_from_slice(b":\n");
        } else if let Some(name) = body
            .strip_prefix(b"# ")
            .and_then(|b| b.strip_suffix(b" environment"))
        {
            out.extend_from_slice(name);
            out.extend_from_slice(b":\n");
        } else if let Some((k, v)) = config_pair(body) {
            out.extend_from_slice(b"  ");
            out.extend_from_slice(k);
            out.extend_from_slice(b": ");
            out.extend_from_slice(v);
            out.push(b'\n');
        } else {
            out.extend_from_slice(line);
        }
    }
    out
}

/// `key = value` or `KEY=value` of a generated configuration line.
fn config_pair(line: &[u8]) -> Option<(&[u8], &[u8])> {
    let eq = line.iter().position(|&b| b == b'=')?;
    let key = line[..eq].strip_suffix(b" ").unwrap_or(&line[..eq]);
    let key_ok = !key.is_empty() && key.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_');
    let value = &line[eq + 1..];
    key_ok.then(|| (key, value.strip_prefix(b" ").unwrap_or(value)))
}

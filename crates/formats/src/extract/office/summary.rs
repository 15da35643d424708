//! Document properties of OLE files (doc, xls): the `SummaryInformation` (title, subject,
//! author, keywords, comments, last author) and `DocumentSummaryInformation` (manager,
//! company) property sets, as `name: value` lines under the stream's name as member.
//! Hand-written (MS-OLEPS): no maintained crate reads property sets.

use std::io::{Read, Seek};

use super::bytes::{le16, le32, read_stream};
use crate::extract::ctx::Ctx;
use crate::extract::text;
use crate::location::StreamPos;

/// Property sets are small; only this much of one is read.
const MAX_SET_LEN: u64 = 1 << 20;

/// The string properties read from a set: id and name.
type Wanted = &'static [(u32, &'static str)];

/// (stream, member name, the properties read)
const SETS: &[(&str, &str, Wanted)] = &[
    (
        "\u{5}SummaryInformation",
        "SummaryInformation",
        &[
            (2, "title"),
            (3, "subject"),
            (4, "author"),
            (5, "keywords"),
            (6, "comments"),
            (8, "lastAuthor"),
        ],
    ),
    (
        "\u{5}DocumentSummaryInformation",
        "DocumentSummaryInformation",
        &[(2, "category"), (14, "manager"), (15, "company")],
    ),
];

/// Reads the property sets the file has.
pub(super) fn summary<F: Read + Seek>(ctx: &mut Ctx<'_>, cf: &mut cfb::CompoundFile<F>) {
    for (stream, member, wanted) in SETS {
        if !cf.is_stream(stream) {
            continue;
        }
        let Ok(set) = read_stream(cf, stream, MAX_SET_LEN) else {
            continue;
        };
        let lines = set_lines(&set, wanted);
        if lines.is_empty() {
            continue;
        }
        ctx.enter(member, |ctx| {
            let member = ctx.member.clone();
            if let Err(e) = text::stream(
                lines.as_bytes(),
                StreamPos::start(),
                ctx.limits,
                &member,
                ctx.sink,
            ) {
                ctx.io_failure(&e);
            }
        });
    }
}

/// The wanted string properties of the first section, one `name: value` line each.
fn set_lines(set: &[u8], wanted: &[(u32, &str)]) -> String {
    let mut out = String::new();
    // Header: byte order, version, system id, class id (28 bytes), section count, then
    // (FMTID, offset) per section.
    let Some(section) = le32(set, 44).and_then(|o| set.get(o as usize..)) else {
        return out;
    };
    let count = le32(section, 4).unwrap_or(0).min(4096) as usize;
    let props: Vec<(u32, usize)> = (0..count)
        .map_while(|i| {
            Some((
                le32(section, 8 + 8 * i)?,
                le32(section, 12 + 8 * i)? as usize,
            ))
        })
        .collect();
    let codepage = props
        .iter()
        .find(|(id, _)| *id == 1)
        .and_then(|(_, at)| le16(section, at + 4))
        .unwrap_or(1252);
    for (id, name) in wanted {
        let Some(&(_, at)) = props.iter().find(|(p, _)| p == id) else {
            continue;
        };
        let Some(value) = string_value(section, at, codepage) else {
            continue;
        };
        let value = value.trim_matches(|c: char| c == '\0' || c.is_whitespace());
        if value.is_empty() {
            continue;
        }
        out.push_str(name);
        out.push_str(": ");
        out.extend(value.chars().map(|c| if c.is_control() { ' ' } else { c }));
        out.push('\n');
    }
    out
}

/// A VT_LPSTR (in the set's code page) or VT_LPWSTR value at `at` in the section.
fn string_value(section: &[u8], at: usize, codepage: u16) -> Option<String> {
    let typ = le16(section, at)?;
    let len = le32(section, at + 4)? as usize;
    let start = at.checked_add(8)?;
    match typ {
        0x1E => {
            let bytes = section.get(start..start.checked_add(len)?)?;
            let encoding = match codepage {
                65001 => encoding_rs::UTF_8,
                1200 => encoding_rs::UTF_16LE,
                932 => encoding_rs::SHIFT_JIS,
                936 => encoding_rs::GBK,
                949 => encoding_rs::EUC_KR,
                950 => encoding_rs::BIG5,
                cp => encoding_rs::Encoding::for_label(format!("windows-{cp}").as_bytes())
                    .unwrap_or(encoding_rs::WINDOWS_1252),
            };
            Some(encoding.decode(bytes).0.into_owned())
        }
        0x1F => {
            let bytes = section.get(start..start.checked_add(len.checked_mul(2)?)?)?;
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect();
            Some(String::from_utf16_lossy(&units))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_properties_of_the_first_section() {
        let mut section = Vec::new();
        let title = b"Plan\0";
        let props: Vec<(u32, Vec<u8>)> = vec![
            (
                1,
                [&2u32.to_le_bytes()[..], &1252u32.to_le_bytes()].concat(),
            ),
            (
                2,
                [
                    &0x1Eu32.to_le_bytes()[..],
                    &(title.len() as u32).to_le_bytes(),
                    title,
                ]
                .concat(),
            ),
            (99, vec![0x1E, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]),
        ];
        let mut at = 8 + 8 * props.len();
        let mut table = Vec::new();
        let mut values = Vec::new();
        for (id, v) in &props {
            table.extend_from_slice(&id.to_le_bytes());
            table.extend_from_slice(&(at as u32).to_le_bytes());
            at += v.len();
            values.extend_from_slice(v);
        }
        section.extend_from_slice(&(at as u32).to_le_bytes());
        section.extend_from_slice(&(props.len() as u32).to_le_bytes());
        section.extend(table);
        section.extend(values);
        let mut set = vec![0u8; 44];
        set.extend_from_slice(&48u32.to_le_bytes());
        set.extend(section);
        assert_eq!(set_lines(&set, &[(2, "title"), (99, "x")]), "title: Plan\n");
        assert_eq!(set_lines(&set[..50], &[(2, "title")]), "");
    }
}

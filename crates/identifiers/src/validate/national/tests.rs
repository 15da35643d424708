use super::common::groups;
use super::ids::DNI_LETTERS;
use super::*;
use crate::validate::core::digits;

/// Every validator survives odd input without panicking and refuses it.
#[test]
fn no_panic_on_odd_input() {
    let odd: &[&[u8]] = &[
        b"",
        b"-",
        b"0",
        b"K",
        b"2A",
        b"....",
        b"\xff\xfe",
        b"ZZZZZZZZZZZZZZZZZZZZ",
        b"99999999999999999999999999",
    ];
    for (name, check) in VALIDATORS {
        for v in odd {
            assert!(!check(v), "{name} accepted {v:?}");
        }
    }
}

#[test]
fn argentina() {
    assert!(argentina_dni(b"31.845.762"));
    assert!(argentina_dni(b"7654321"));
    assert!(!argentina_dni(b"99.999.999"));
    assert!(!argentina_dni(b"00000000"));
    assert!(!argentina_dni(b"123456"));
    assert!(argentina_sube(b"6061 2634 7895 2143"));
    assert!(!argentina_sube(b"6061 2634 7895 2144"));
    assert!(!argentina_sube(b"6062 2634 7895 2143"));
    assert!(argentina_cuit_person(b"20-31845762-0"));
    assert!(argentina_cuit_person(b"23456127835"));
    assert!(!argentina_cuit_person(b"20-31845762-1"));
    assert!(!argentina_cuit_person(b"30-71234569-8"));
    assert!(argentina_cuit_org(b"30-71234569-8"));
    assert!(argentina_cuit_org(b"34-68123450-2"));
    assert!(!argentina_cuit_org(b"30-71234569-9"));
    assert!(!argentina_cuit_org(b"3071234569"));
}

#[test]
fn brazil() {
    // Published CPF and CNPJ examples.
    assert!(brazil_cpf(b"529.982.247-25"));
    assert!(brazil_cpf(b"38491726519"));
    assert!(!brazil_cpf(b"529.982.247-24"));
    assert!(!brazil_cpf(b"111.111.111-11"));
    assert!(!brazil_cpf(b"5299822472"));
    assert!(brazil_cnpj(b"11.222.333/0001-81"));
    assert!(brazil_cnpj(b"45781293000120"));
    assert!(!brazil_cnpj(b"11.222.333/0001-82"));
    assert!(!brazil_cnpj(b"00000000000000"));
    // São Paulo RG, published example 31.203.131-2.
    assert!(brazil_rg(b"31.203.131-2"));
    assert!(brazil_rg(b"27.364.519-5"));
    assert!(!brazil_rg(b"31.203.131-3"));
    assert!(!brazil_rg(b"31.203.131"));
}

#[test]
fn chile_and_colombia() {
    assert!(chile_rut(b"12.345.678-5"));
    assert!(chile_rut(b"7654321-6"));
    assert!(!chile_rut(b"12.345.678-6"));
    assert!(!chile_rut(b"1-9"));
    // A body whose check character is K.
    let mut found_k = false;
    for n in 10_000_000u32..10_000_100 {
        let s = format!("{n}-K");
        if chile_rut(s.as_bytes()) {
            found_k = true;
            assert!(chile_rut(format!("{n}-k").as_bytes()));
        }
    }
    assert!(found_k);
    assert!(colombia_cedula(b"1.018.456.723"));
    assert!(!colombia_cedula(b"11111111"));
    assert!(!colombia_cedula(b"12345"));
    // DIAN's own NIT 800.197.268-4.
    assert!(colombia_nit_org(b"800.197.268-4"));
    assert!(!colombia_nit_org(b"800.197.268-5"));
    assert!(!colombia_nit_org(b"79.845.213-6"));
    assert!(colombia_nit_person(b"79.845.213-6"));
    assert!(colombia_nit_person(b"1018456723-0"));
    assert!(!colombia_nit_person(b"79.845.213-7"));
    assert!(!colombia_nit_person(b"800.197.268-4"));
}

#[test]
fn france() {
    // python-stdnum's published NIR examples, Corsica included.
    assert!(france_nir(b"2 95 10 99 126 111 93"));
    assert!(france_nir(b"253072B07300470"));
    assert!(france_nir(b"253072A07300443"));
    assert!(!france_nir(b"295109912611199"));
    assert!(!france_nir(b"253072C07300443"));
    assert!(!france_nir(b"29510991261119"));
    assert!(france_spi(b"27 38 461 905 130"));
    assert!(!france_spi(b"27 38 461 905 131"));
    assert!(!france_spi(b"4738461905130"));
    assert!(!france_spi(b"273846190513"));
}

#[test]
fn germany() {
    // The specimen ID card T22000129 with check digit 3.
    assert!(germany_id_card(b"T220001293"));
    assert!(germany_id_card(b"L6M2TR8KF6"));
    assert!(!germany_id_card(b"T220001294"));
    assert!(!germany_id_card(b"A220001293"));
    // The 9 characters as the card prints them (first a letter), no check digit.
    assert!(germany_id_card(b"T22000129"));
    assert!(!germany_id_card(b"322000129"));
    assert!(!germany_id_card(b"T2200012"));
    // The BZSt example Steuer-IdNr.
    assert!(germany_steuer_id(b"86095742719"));
    assert!(germany_steuer_id(b"47 392 018 463"));
    assert!(!germany_steuer_id(b"86095742718"));
    // All ten digits distinct: no repetition.
    assert!(!germany_steuer_id(b"47392018560"));
    // Leading zero, wrong length.
    assert!(!germany_steuer_id(b"06095742719"));
    assert!(!germany_steuer_id(b"8609574271"));
}

#[test]
fn india() {
    assert!(verhoeff(&digits(b"2363")));
    assert!(!verhoeff(&digits(b"2364")));
    assert!(india_aadhaar(b"4918 3275 6141"));
    assert!(!india_aadhaar(b"4918 3275 6142"));
    assert!(!india_aadhaar(b"1918 3275 6141"));
    assert!(!india_aadhaar(b"4918 3275 614"));
    assert!(india_pan(b"BQTPK4821M"));
    assert!(!india_pan(b"BQTDK4821M"));
    assert!(!india_pan(b"BQTPK0000M"));
    assert!(!india_pan(b"BQTPK4821"));
}

#[test]
fn italy_and_mexico() {
    // The well-known specimen codice fiscale of "Mario Rossi".
    assert!(italy_codice_fiscale(b"RSSMRA85T10A562S"));
    assert!(italy_codice_fiscale(b"bncgpp82l52f205w"));
    assert!(!italy_codice_fiscale(b"RSSMRA85T10A562T"));
    assert!(!italy_codice_fiscale(b"RSSMRA85T10A562"));
    // RENAPO's specimen CURP.
    assert!(mexico_curp(b"HEGG560427MVZRRL04"));
    assert!(mexico_curp(b"LOPM850314HJCPRR08"));
    assert!(!mexico_curp(b"HEGG560427MVZRRL05"));
    assert!(!mexico_curp(b"HEGG560427MVZRRL0"));
    // SAT's specimen RFC.
    assert!(mexico_rfc_person(b"GODE561231GR8"));
    assert!(mexico_rfc_person(b"PEMJ780415K38"));
    assert!(!mexico_rfc_person(b"GODE561231GR9"));
    assert!(!mexico_rfc_person(b"GODE561331GR8"));
    assert!(!mexico_rfc_person(b"TMX990105AB7"));
    assert!(mexico_rfc_org(b"TMX990105AB7"));
    assert!(!mexico_rfc_org(b"TMX990105AB8"));
    assert!(!mexico_rfc_org(b"PEMJ780415K38"));
}

#[test]
fn spain() {
    assert!(spain_dni(b"12345678Z"));
    assert!(spain_dni(b"05.123.876 M"));
    assert!(!spain_dni(b"12345678A"));
    assert!(!spain_dni(b"00000000T"));
    assert!(!spain_dni(b"1234567Z"));
    assert!(spain_nie(b"X1234567L"));
    assert!(spain_nie(b"Y-2748105-X"));
    assert!(!spain_nie(b"X1234567K"));
    assert!(!spain_nie(b"A1234567L"));
    assert!(spain_cif(b"B58473927"));
    assert!(spain_cif(b"Q1738265F"));
    assert!(spain_cif(b"C1738265F"));
    assert!(spain_cif(b"C17382656"));
    assert!(!spain_cif(b"Q17382656"));
    assert!(!spain_cif(b"B5847392G"));
    assert!(!spain_cif(b"B58473928"));
    assert!(spain_nif(b"48573922S"));
    assert!(spain_nif(b"X4830291S"));
    assert!(spain_nif(b"A82746199"));
    assert!(!spain_nif(b"48573922T"));
    let klm = format!("L1234567{}", char::from(DNI_LETTERS[1_234_567 % 23]));
    assert!(spain_nif(klm.as_bytes()));
    assert!(!spain_nif(b"L1234567A"));
    assert!(spain_nuss(b"28/31478652/55"));
    assert!(spain_nuss(b"080451239881"));
    assert!(!spain_nuss(b"28/31478652/56"));
    assert!(!spain_nuss(b"99/31478652/55"));
    assert!(!spain_nuss(b"2831478652"));
}

#[test]
fn uk() {
    assert!(uk_nino(b"JR 84 52 19 C"));
    assert!(uk_nino(b"st730298a"));
    for bad in [
        &b"DA123456A"[..],
        b"AO123456A",
        b"AD123456A",
        b"GB123456A",
        b"BG123456A",
        b"NK123456A",
        b"KN123456A",
        b"TN123456A",
        b"NT123456A",
        b"ZZ123456A",
        b"AB123456E",
        b"AB12345A",
    ] {
        assert!(!uk_nino(bad), "{bad:?}");
    }
    // HMRC's documented example UTR 2234567890.
    assert!(uk_utr(b"2234567890"));
    assert!(uk_utr(b"24839 20175"));
    assert!(!uk_utr(b"3234567890"));
    assert!(!uk_utr(b"223456789"));
}

#[test]
fn canada_australia_usa() {
    // The SIN example on Canada's own forms starts with 0 (never issued).
    assert!(!canada_sin(b"046 454 286"));
    assert!(canada_sin(b"519 238 471"));
    assert!(!canada_sin(b"519 238 472"));
    assert!(!canada_sin(b"819 238 475"));
    assert!(canada_uci(b"11-2938-4756"));
    assert!(canada_uci(b"8374-6152"));
    assert!(!canada_uci(b"0000-0000"));
    assert!(!canada_uci(b"123456789"));
    assert!(!canada_uci(b"1129-3847-56"));
    assert!(!canada_uci(b"6061-2634-7895-2143"));
    assert!(!canada_uci(b"11--2938-4756"));
    assert!(!canada_sin(b"519 238-471"));
    assert!(!canada_sin(b"5192 38 471"));
    assert!(!australia_tfn(b"459 876 125 12"));
    assert!(!usa_itin(b"9127-8-3456"));
    assert_eq!(
        groups(b"459 876 125", b" -").as_deref(),
        Some(&[3, 3, 3][..])
    );
    assert_eq!(groups(b"459  876", b" -"), None);
    assert_eq!(groups(b"459 876-125", b" -"), None);
    assert_eq!(groups(b"459 ", b" -"), None);
    // python-stdnum's TFN example and the 8-digit form.
    assert!(australia_tfn(b"876 543 210"));
    assert!(australia_tfn(b"123 456 782"));
    assert!(australia_tfn(b"374 829 10"));
    assert!(!australia_tfn(b"999 999 999"));
    assert!(!australia_tfn(b"876 543 211"));
    assert!(!australia_tfn(b"8765432"));
    assert!(usa_itin(b"912-78-3456"));
    assert!(usa_itin(b"953 91 2874"));
    assert!(usa_itin(b"900-50-1234"));
    assert!(!usa_itin(b"912-89-3456"));
    assert!(!usa_itin(b"912-93-3456"));
    assert!(!usa_itin(b"912-66-3456"));
    assert!(!usa_itin(b"812-78-3456"));
    assert!(!usa_itin(b"912-78-0000"));
}

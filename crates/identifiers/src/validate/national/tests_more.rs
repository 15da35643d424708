//! Issue 18's national ids: published valid values (the issuers' documentation, the
//! standards' worked examples) and the same values with a wrong check digit or date.

use super::*;
use crate::validate::documents::{finland_hetu, sweden_personnummer};

/// `check` accepts every value of `good` and refuses every value of `bad`.
pub(super) fn pins(name: &str, check: Check, good: &[&str], bad: &[&str]) {
    for v in good {
        assert!(check(v.as_bytes()), "{name} refused {v}");
    }
    for v in bad {
        assert!(!check(v.as_bytes()), "{name} accepted {v}");
    }
}

#[test]
fn turkiye() {
    let good = ["10000000146", "12345678950"];
    let bad = [
        "10000000147",
        "10000000156",
        "01234567890",
        "11111111111",
        "1000000014",
    ];
    pins("tckn", turkiye_tckn, &good, &bad);
}

#[test]
fn nordics() {
    // Skatteverket's example (Wikipedia), a coordination number (day + 60), a 12-digit form.
    let good = [
        "811228-9874",
        "8112289874",
        "19811228-9874",
        "701063-2391",
        "121212+1212",
    ];
    let bad = ["811228-9875", "811328-9874", "811232-9873", "81122898"];
    pins("personnummer", sweden_personnummer, &good, &bad);
    let good = ["15108695088", "151086 95088", "41018036736"];
    let bad = ["15108695089", "15108695078", "32108695088", "11111111111"];
    pins("fodselsnummer", norway_fodselsnummer, &good, &bad);
    let good = ["211062-5629", "0101701234", "290280-1234"];
    let bad = ["321062-5629", "211362-5629", "2110625629-1", "0000000000"];
    pins("cpr", denmark_cpr, &good, &bad);
    // DVV's example 131052-308T; the 2023 century signs Y and B.
    let good = [
        "131052-308T",
        "131052Y308T",
        "010594Y9032",
        "010594Y9021",
        "020500A903E",
    ];
    let bad = ["131052-308U", "131052*308T", "131052-001C", "131052-9005"];
    pins("hetu", finland_hetu, &good, &bad);
    let good = ["120174-3399", "1201743399", "5012003010"];
    let bad = ["120174-3389", "120174-3397", "1213743399"];
    pins("kennitala", iceland_kennitala, &good, &bad);
}

#[test]
fn poland() {
    let good = ["44051401359", "02070803628", "02270803624"];
    let bad = ["44051401358", "44131401350", "4405140135"];
    pins("pesel", poland_pesel, &good, &bad);
    let good = ["123-456-32-18", "8567346215", "123-45-63-218", "5260250274"];
    let bad = ["123-456-32-19", "8567346216", "0000000000", "123456321"];
    pins("nip", poland_nip, &good, &bad);
}

#[test]
fn benelux() {
    let good = ["111222333", "123456782", "1112.22.333"];
    let bad = ["111222334", "123456783", "000000000", "12345678"];
    pins("bsn", netherlands_bsn, &good, &bad);
    // A 1985 birth and one from 2000 or later (the 2 prefix).
    let good = [
        "85.07.30-033.28",
        "85073003328",
        "17.07.30-033.84",
        "00.00.00-001.28",
    ];
    let bad = [
        "85.07.30-033.29",
        "85.13.30-033.xx",
        "85073003327",
        "851330033.28",
    ];
    pins("nrn", belgium_nrn, &good, &bad);
}

#[test]
fn central_and_eastern_europe() {
    let good = ["1630615123457", "2800101221146"];
    let bad = ["1630615123458", "1631315123450", "0630615123457"];
    pins("cnp", romania_cnp, &good, &bad);
    let good = ["7523169263", "8032056031", "0041010002"];
    let bad = ["7523169264", "8032056032", "7533169263"];
    pins("egn", bulgaria_egn, &good, &bad);
    let good = ["710319/2745", "7103192745", "736028/5163", "0354154020"];
    let bad = ["710319/2746", "711319/2745", "71031/92745", "7103192/745"];
    pins("rodne cislo", czech_birth_number, &good, &bad);
    let good = ["36805280109", "37605030299", "33309240064", "49002124277"];
    let bad = ["36805280108", "37605030298", "76805280109", "36813280109"];
    pins("isikukood", baltic_personal_code, &good, &bad);
    let good = ["0101006500006", "2906985500009"];
    let bad = ["0101006500007", "3201006500002", "010100650000"];
    pins("emso", slovenia_emso, &good, &bad);
    let good = ["01013099997", "24029011186"];
    let bad = ["01013099998", "32013099996"];
    pins("amka", greece_amka, &good, &bad);
}

#[test]
fn western_europe() {
    let good = ["6433435F", "6433435FW", "1234567T", "1234567TW"];
    let bad = ["6433435G", "6433435FX", "643343F", "1111111W"];
    pins("pps", ireland_pps, &good, &bad);
    // BSV's example number.
    let good = ["756.9217.0769.85", "7569217076985", "756.1234.5678.97"];
    let bad = ["756.9217.0769.86", "757.9217.0769.84", "756.9217.0769.8"];
    pins("ahv", switzerland_ahv, &good, &bad);
    let good = ["1237 010180", "1237010180", "2347051076"];
    let bad = ["1238 010180", "0237010180", "1237013380"];
    pins("svnr", austria_svnr, &good, &bad);
    // Deutsche Rentenversicherung's layout example and the KVNR example A123456780.
    let good = ["15 070649 C 103", "15070649C103", "65170839J003"];
    let bad = ["15 070649 C 104", "15 071349 C 102", "15070649CC03"];
    pins("rvnr", germany_rvnr, &good, &bad);
    let good = ["A123456780", "Z987654321"];
    let bad = ["A123456781", "A12345678", "1123456780", "A000000000"];
    pins("kvnr", germany_kvnr, &good, &bad);
}

#[test]
fn africa_and_asia() {
    let good = ["8001015009087", "7503305044089"];
    let bad = ["8001015009088", "8013015009086", "800101500908"];
    pins("za id", south_africa_id, &good, &bad);
    let good = ["971013-9019902", "9710139019902"];
    let bad = ["971013-9019903", "971313-9019909", "97101-39019902"];
    pins("rrn", korea_rrn, &good, &bad);
    // GB 11643-1999's example.
    let good = ["11010519491231002X", "11010519491231002x"];
    let bad = [
        "110105194912310021",
        "11010518491231002X",
        "11010519491331002X",
    ];
    pins("china id", china_resident_id, &good, &bad);
    let good = ["3100600445635", "3-1006-00445-63-5", "1101700230708"];
    let bad = ["3100600445636", "9100600445631", "310060044563"];
    pins("thai id", thailand_id, &good, &bad);
    let good = ["770305-02-1234", "770305021234", "011231-14-5678"];
    let bad = [
        "771305-02-1234",
        "770305-00-1234",
        "770305-021-234",
        "770305-80-1234",
    ];
    pins("mykad", malaysia_mykad, &good, &bad);
    let good = ["S1234567D", "T1234567J", "F1234567N", "G1234567X"];
    let bad = ["S1234567E", "A1234567D", "S123456D"];
    pins("nric", singapore_nric, &good, &bad);
    let good = ["35202-1234567-1", "3520212345671", "61101-9876543-2"];
    let bad = ["85202-1234567-1", "352021-234567-1", "35202-1234567"];
    pins("cnic", pakistan_cnic, &good, &bad);
    let good = ["3174056502900001", "3201014107850003"];
    let bad = ["0174056502900001", "3174053202900001", "3174056502900000"];
    pins("nik", indonesia_nik, &good, &bad);
}

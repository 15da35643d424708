//! EU VAT numbers: values computed with the authorities' published rules by a script
//! independent of these validators, and the same values with a wrong check or length.

use super::tests_more::pins;
use super::*;

#[test]
fn germany() {
    let good = ["DE136695976", "DE626018158", "DE183016611", "DE 136695976"];
    let bad = [
        "DE136695977",
        "DE626018159",
        "DE183016612",
        "DE13669597",
        "DE1366959761",
        "XX136695976",
    ];
    pins("germany_vat", germany_vat, &good, &bad);
}

#[test]
fn austria() {
    let good = ["ATU13585627", "ATU34628196", "ATU58219939", "AT U13585627"];
    let bad = [
        "ATU13585628",
        "ATU34628197",
        "ATU58219930",
        "ATU1358562",
        "ATU135856271",
        "XXU13585627",
    ];
    pins("austria_vat", austria_vat, &good, &bad);
}

#[test]
fn belgium() {
    let good = ["BE0954323117", "BE0687574996", "BE 0954323117"];
    let bad = [
        "BE0954323118",
        "BE0687574997",
        "BE095432311",
        "BE09543231171",
        "XX0954323117",
    ];
    pins("belgium_vat", belgium_vat, &good, &bad);
}

#[test]
fn bulgaria() {
    let good = ["BG659797118", "BG571049741", "BG 659797118"];
    let bad = [
        "BG659797119",
        "BG571049742",
        "BG65979711",
        "BG6597971181",
        "XX659797118",
    ];
    pins("bulgaria_vat", bulgaria_vat, &good, &bad);
}

#[test]
fn cyprus() {
    let good = ["CY41276842E", "CY48465632I", "CY 41276842E"];
    let bad = [
        "CY41276842A",
        "CY48465632A",
        "CY41276842",
        "CY4127684E",
        "XX41276842E",
    ];
    pins("cyprus_vat", cyprus_vat, &good, &bad);
}

#[test]
fn czech() {
    let good = ["CZ62890786", "CZ76661768", "CZ 62890786"];
    let bad = [
        "CZ62890787",
        "CZ76661769",
        "CZ6289078",
        "CZ628907861",
        "XX62890786",
    ];
    pins("czech_vat", czech_vat, &good, &bad);
}

#[test]
fn denmark() {
    let good = ["DK91590131", "DK72459571", "DK 91590131"];
    let bad = [
        "DK91590132",
        "DK72459572",
        "DK9159013",
        "DK915901311",
        "XX91590131",
    ];
    pins("denmark_vat", denmark_vat, &good, &bad);
}

#[test]
fn estonia() {
    let good = ["EE108038521", "EE108084148", "EE 108038521"];
    let bad = [
        "EE108038522",
        "EE108084149",
        "EE10803852",
        "EE1080385211",
        "XX108038521",
    ];
    pins("estonia_vat", estonia_vat, &good, &bad);
}

#[test]
fn greece() {
    let good = ["EL363387504", "EL047439570", "EL 363387504"];
    let bad = [
        "EL363387505",
        "EL047439571",
        "EL36338750",
        "EL3633875041",
        "XX363387504",
    ];
    pins("greece_vat", greece_vat, &good, &bad);
}

#[test]
fn finland() {
    let good = ["FI11637269", "FI51676123", "FI 11637269"];
    let bad = [
        "FI11637260",
        "FI51676124",
        "FI1163726",
        "FI116372691",
        "XX11637269",
    ];
    pins("finland_vat", finland_vat, &good, &bad);
}

#[test]
fn france() {
    let good = [
        "FR40303265045",
        "FR02300182631",
        "FR51404348393",
        "FR 40303265045",
    ];
    let bad = [
        "FR40303265046",
        "FR02300182632",
        "FR51404348394",
        "FR4030326504",
        "FR403032650451",
        "XX40303265045",
    ];
    pins("france_vat", france_vat, &good, &bad);
}

#[test]
fn croatia() {
    let good = ["HR17290222790", "HR28058887181", "HR 17290222790"];
    let bad = [
        "HR17290222791",
        "HR28058887182",
        "HR1729022279",
        "HR172902227901",
        "XX17290222790",
    ];
    pins("croatia_vat", croatia_vat, &good, &bad);
}

#[test]
fn hungary() {
    let good = ["HU98783849", "HU93726166", "HU 98783849"];
    let bad = [
        "HU98783840",
        "HU93726167",
        "HU9878384",
        "HU987838491",
        "XX98783849",
    ];
    pins("hungary_vat", hungary_vat, &good, &bad);
}

#[test]
fn ireland() {
    let good = [
        "IE7316723O",
        "IE2686563S",
        "IE4811311WE",
        "IE4024264WG",
        "IE2V31417G",
        "IE1L86492R",
        "IE 7316723O",
    ];
    let bad = [
        "IE7316723A",
        "IE2686563A",
        "IE4811311WA",
        "IE4024264WA",
        "IE2V31417A",
        "IE1L86492A",
        "IE7316723",
        "IE731672O",
        "XX7316723O",
    ];
    pins("ireland_vat", ireland_vat, &good, &bad);
}

#[test]
fn italy() {
    let good = [
        "IT00743110157",
        "IT78245040056",
        "IT00883870321",
        "IT 00743110157",
    ];
    let bad = [
        "IT00743110158",
        "IT78245040057",
        "IT00883870322",
        "IT0074311015",
        "IT007431101571",
        "XX00743110157",
    ];
    pins("italy_vat", italy_vat, &good, &bad);
}

#[test]
fn lithuania() {
    let good = [
        "LT301462016",
        "LT268493419",
        "LT535205617417",
        "LT933801412613",
        "LT 301462016",
    ];
    let bad = [
        "LT301462017",
        "LT268493410",
        "LT535205617418",
        "LT933801412614",
        "LT30146201",
        "LT3014620161",
        "XX301462016",
    ];
    pins("lithuania_vat", lithuania_vat, &good, &bad);
}

#[test]
fn luxembourg() {
    let good = ["LU92889086", "LU41002502", "LU 92889086"];
    let bad = [
        "LU92889087",
        "LU41002503",
        "LU9288908",
        "LU928890861",
        "XX92889086",
    ];
    pins("luxembourg_vat", luxembourg_vat, &good, &bad);
}

#[test]
fn latvia() {
    let good = ["LV48818174147", "LV53377617405", "LV 48818174147"];
    let bad = [
        "LV48818174148",
        "LV53377617406",
        "LV4881817414",
        "LV488181741471",
        "XX48818174147",
    ];
    pins("latvia_vat", latvia_vat, &good, &bad);
}

#[test]
fn malta() {
    let good = ["MT27047121", "MT97463313", "MT 27047121"];
    let bad = [
        "MT27047122",
        "MT97463314",
        "MT2704712",
        "MT270471211",
        "XX27047121",
    ];
    pins("malta_vat", malta_vat, &good, &bad);
}

#[test]
fn netherlands() {
    let good = [
        "NL537760209B63",
        "NL764265659B16",
        "NL792470802B01",
        "NL446347836B01",
        "NL 537760209B63",
    ];
    let bad = [
        // The 11-test reads the nine digits only; the sole-trader form all of it.
        "NL537760208B63",
        "NL764265658B16",
        "NL537760209C63",
        "NL792470802B02",
        "NL446347836B02",
        "NL537760209B6",
        "NL537760209B631",
        "XX537760209B63",
    ];
    pins("netherlands_vat", netherlands_vat, &good, &bad);
}

#[test]
fn poland() {
    let good = ["PL4066683649", "PL6074952881", "PL 4066683649"];
    let bad = [
        "PL4066683640",
        "PL6074952882",
        "PL406668364",
        "PL40666836491",
        "XX4066683649",
    ];
    pins("poland_vat", poland_vat, &good, &bad);
}

#[test]
fn portugal() {
    let good = ["PT687731321", "PT281718008", "PT 687731321"];
    let bad = [
        "PT687731322",
        "PT281718009",
        "PT68773132",
        "PT6877313211",
        "XX687731321",
    ];
    pins("portugal_vat", portugal_vat, &good, &bad);
}

#[test]
fn romania() {
    let good = ["RO5390084745", "RO478383060", "RO 5390084745"];
    let bad = [
        "RO5390084746",
        "RO478383061",
        "RO539008474",
        "RO53900847451",
        "XX5390084745",
    ];
    pins("romania_vat", romania_vat, &good, &bad);
}

#[test]
fn sweden() {
    let good = ["SE248137343501", "SE273441979501", "SE 248137343501"];
    let bad = [
        "SE248137343502",
        "SE273441979502",
        "SE24813734350",
        "SE2481373435011",
        "XX248137343501",
    ];
    pins("sweden_vat", sweden_vat, &good, &bad);
}

#[test]
fn slovenia() {
    let good = ["SI85112534", "SI38704650", "SI 85112534"];
    let bad = [
        "SI85112535",
        "SI38704651",
        "SI8511253",
        "SI851125341",
        "XX85112534",
    ];
    pins("slovenia_vat", slovenia_vat, &good, &bad);
}

#[test]
fn slovakia() {
    let good = ["SK6471073587", "SK8345706369", "SK 6471073587"];
    let bad = [
        "SK6471073588",
        "SK8345706360",
        "SK647107358",
        "SK64710735871",
        "XX6471073587",
    ];
    pins("slovakia_vat", slovakia_vat, &good, &bad);
}

#[test]
fn spain() {
    let good = [
        "ESE09103177",
        "ESH64672728",
        "ESS1078852I",
        "ESS1149131C",
        "ES45443732X",
        "ES33249351E",
        "ES E09103177",
    ];
    let bad = [
        "ESE09103178",
        "ESH64672729",
        "ESS1078852A",
        "ESS1149131A",
        "ES45443732A",
        "ES33249351A",
        "ESE0910317",
        "ESE091031771",
        "XXE09103177",
    ];
    pins("spain_vat", spain_vat, &good, &bad);
}

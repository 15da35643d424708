//! Validators: national identity numbers, social insurance numbers and taxpayer ids.
//!
//! Every function takes the matched bytes (separators such as spaces, hyphens, dots and slashes
//! included) and never panics: lengths are checked before indexing.

mod common;
mod europe;
mod ids;
mod tax;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_more;
#[cfg(test)]
mod tests_vat;
mod vat;
mod world;

use super::{Check, Verdict};
use europe::*;
use ids::*;
use tax::*;
use vat::*;
use world::*;

/// The validators this module provides, by catalogue name.
pub(crate) const VALIDATORS: &[(&str, Check)] = &[
    ("argentina_dni", argentina_dni),
    ("brazil_rg", brazil_rg),
    ("chile_rut", chile_rut),
    ("colombia_cedula", colombia_cedula),
    ("france_nir", france_nir),
    ("germany_id_card", germany_id_card),
    ("india_aadhaar", india_aadhaar),
    ("spain_dni", spain_dni),
    ("spain_nie", spain_nie),
    ("spain_nif", spain_nif),
    ("uk_nino", uk_nino),
    ("canada_uci", canada_uci),
    ("canada_sin", canada_sin),
    ("spain_nuss", spain_nuss),
    ("argentina_sube", argentina_sube),
    ("argentina_cuit_person", argentina_cuit_person),
    ("argentina_cuit_org", argentina_cuit_org),
    ("australia_tfn", australia_tfn),
    ("brazil_cnpj", brazil_cnpj),
    ("brazil_cpf", brazil_cpf),
    ("colombia_nit_org", colombia_nit_org),
    ("colombia_nit_person", colombia_nit_person),
    ("france_spi", france_spi),
    ("germany_steuer_id", germany_steuer_id),
    ("india_pan", india_pan),
    ("uk_utr", uk_utr),
    ("usa_itin", usa_itin),
    ("turkiye_tckn", turkiye_tckn),
    ("norway_fodselsnummer", norway_fodselsnummer),
    ("denmark_cpr", denmark_cpr),
    ("poland_pesel", poland_pesel),
    ("poland_nip", poland_nip),
    ("netherlands_bsn", netherlands_bsn),
    ("belgium_nrn", belgium_nrn),
    ("romania_cnp", romania_cnp),
    ("bulgaria_egn", bulgaria_egn),
    ("czech_birth_number", czech_birth_number),
    ("baltic_personal_code", baltic_personal_code),
    ("slovenia_emso", slovenia_emso),
    ("ireland_pps", ireland_pps),
    ("switzerland_ahv", switzerland_ahv),
    ("austria_svnr", austria_svnr),
    ("iceland_kennitala", iceland_kennitala),
    ("greece_amka", greece_amka),
    ("germany_rvnr", germany_rvnr),
    ("germany_kvnr", germany_kvnr),
    ("south_africa_id", south_africa_id),
    ("korea_rrn", korea_rrn),
    ("china_resident_id", china_resident_id),
    ("thailand_id", thailand_id),
    ("malaysia_mykad", malaysia_mykad),
    ("singapore_nric", singapore_nric),
    ("pakistan_cnic", pakistan_cnic),
    ("indonesia_nik", indonesia_nik),
    ("austria_vat", austria_vat),
    ("belgium_vat", belgium_vat),
    ("bulgaria_vat", bulgaria_vat),
    ("croatia_vat", croatia_vat),
    ("cyprus_vat", cyprus_vat),
    ("czech_vat", czech_vat),
    ("denmark_vat", denmark_vat),
    ("estonia_vat", estonia_vat),
    ("finland_vat", finland_vat),
    ("france_vat", france_vat),
    ("germany_vat", germany_vat),
    ("greece_vat", greece_vat),
    ("hungary_vat", hungary_vat),
    ("ireland_vat", ireland_vat),
    ("italy_vat", italy_vat),
    ("latvia_vat", latvia_vat),
    ("lithuania_vat", lithuania_vat),
    ("luxembourg_vat", luxembourg_vat),
    ("malta_vat", malta_vat),
    ("netherlands_vat", netherlands_vat),
    ("poland_vat", poland_vat),
    ("portugal_vat", portugal_vat),
    ("romania_vat", romania_vat),
    ("slovakia_vat", slovakia_vat),
    ("slovenia_vat", slovenia_vat),
    ("spain_vat", spain_vat),
    ("sweden_vat", sweden_vat),
];

/// The validators that say why they reject (an impossible date), by catalogue name.
pub(crate) const DETAILED: &[(&str, Verdict)] = &[
    ("italy_codice_fiscale", italy_codice_fiscale_verdict),
    ("mexico_curp", mexico_curp_verdict),
    ("mexico_rfc_person", mexico_rfc_person_verdict),
    ("mexico_rfc_org", mexico_rfc_org_verdict),
];

//! Validators: financial.

use super::Check;

/// The validators this file provides, by catalogue name.
pub(crate) const VALIDATORS: &[(&str, Check)] = &[];

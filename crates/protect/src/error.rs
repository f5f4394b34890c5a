//! Why a case request is refused: a closed code, the field at fault and a
//! lowercase message that says what to do.

use crate::stage::MoveError;

/// What kind of refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// A field is malformed.
    Invalid,
    /// The protocol does not allow the move or change now.
    Protocol,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct CaseError {
    pub code: Code,
    pub field: String,
    pub message: String,
}

impl CaseError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> CaseError {
        CaseError {
            code: Code::Invalid,
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn protocol(field: impl Into<String>, message: impl Into<String>) -> CaseError {
        CaseError {
            code: Code::Protocol,
            field: field.into(),
            message: message.into(),
        }
    }
}

impl From<MoveError> for CaseError {
    fn from(e: MoveError) -> Self {
        CaseError::protocol("to", e.to_string())
    }
}

//! Stable error codes for everything the native layer can fail with.
//!
//! The core works with [`QuicError`]; the napi wrappers turn it into a JS `Error` whose `code` is one
//! of [`ErrorCode`]'s strings and which carries `wireCode`, `streamId` and `field` when they apply.
//! `quiche::Error::Done` never becomes an error: the callers map it to a return value.

use napi::bindgen_prelude::JsObjectValue;
use napi::{Env, Status};

/// The stable `code` of every error the addon throws. The strings are part of the public API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    /// A caller buffer is too small for what has to be written into it.
    BufferTooShort,
    /// The packet's QUIC version is not supported.
    UnknownVersion,
    /// The peer sent a frame that could not be parsed.
    InvalidFrame,
    /// A datagram or packet could not be parsed.
    InvalidPacket,
    /// The connection is not in a state in which the operation is possible.
    InvalidState,
    /// The stream is not in a state in which the operation is possible (e.g. writing a peer's uni stream).
    InvalidStreamState,
    /// The peer's transport parameters were invalid.
    InvalidTransportParam,
    /// A cryptographic operation failed.
    CryptoFail,
    /// The TLS handshake failed.
    TlsFail,
    /// The peer violated flow control.
    FlowControl,
    /// A stream id beyond the peer's MAX_STREAMS limit was used.
    StreamLimit,
    /// The peer sent STOP_SENDING on the stream; `wireCode` holds its application code.
    StreamStopped,
    /// The peer sent RESET_STREAM on the stream; `wireCode` holds its application code.
    StreamReset,
    /// The peer changed a stream's final size.
    FinalSize,
    /// The congestion controller failed.
    CongestionControl,
    /// Too many connection ids were issued or retired.
    IdLimit,
    /// No spare connection id is left to use.
    OutOfIdentifiers,
    /// A key update failed.
    KeyUpdate,
    /// The peer sent more CRYPTO data than may be buffered.
    CryptoBufferExceeded,
    /// The peer acknowledged packets that were never sent.
    InvalidAckRange,
    /// The peer acknowledged a packet number skipped on purpose (optimistic ACK attack).
    OptimisticAck,
    /// A client connection was created with an invalid destination connection id.
    InvalidDcid,
    /// A configuration value is out of range or of the wrong kind; `field` names it.
    InvalidConfig,
    /// A PEM key, certificate or CA could not be parsed or does not match; `field` names it.
    InvalidPem,
    /// An argument (address, connection id, token, …) is malformed; `field` names it.
    InvalidArgument,
    /// A keylog or qlog file could not be opened or written.
    Io,
    /// A bug: the native layer caught a panic or an impossible state.
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BufferTooShort => "ERR_QUIC_BUFFER_TOO_SHORT",
            ErrorCode::UnknownVersion => "ERR_QUIC_UNKNOWN_VERSION",
            ErrorCode::InvalidFrame => "ERR_QUIC_INVALID_FRAME",
            ErrorCode::InvalidPacket => "ERR_QUIC_INVALID_PACKET",
            ErrorCode::InvalidState => "ERR_QUIC_INVALID_STATE",
            ErrorCode::InvalidStreamState => "ERR_QUIC_INVALID_STREAM_STATE",
            ErrorCode::InvalidTransportParam => "ERR_QUIC_INVALID_TRANSPORT_PARAM",
            ErrorCode::CryptoFail => "ERR_QUIC_CRYPTO_FAIL",
            ErrorCode::TlsFail => "ERR_QUIC_TLS_FAIL",
            ErrorCode::FlowControl => "ERR_QUIC_FLOW_CONTROL",
            ErrorCode::StreamLimit => "ERR_QUIC_STREAM_LIMIT",
            ErrorCode::StreamStopped => "ERR_QUIC_STREAM_STOPPED",
            ErrorCode::StreamReset => "ERR_QUIC_STREAM_RESET",
            ErrorCode::FinalSize => "ERR_QUIC_FINAL_SIZE",
            ErrorCode::CongestionControl => "ERR_QUIC_CONGESTION_CONTROL",
            ErrorCode::IdLimit => "ERR_QUIC_ID_LIMIT",
            ErrorCode::OutOfIdentifiers => "ERR_QUIC_OUT_OF_IDENTIFIERS",
            ErrorCode::KeyUpdate => "ERR_QUIC_KEY_UPDATE",
            ErrorCode::CryptoBufferExceeded => "ERR_QUIC_CRYPTO_BUFFER_EXCEEDED",
            ErrorCode::InvalidAckRange => "ERR_QUIC_INVALID_ACK_RANGE",
            ErrorCode::OptimisticAck => "ERR_QUIC_OPTIMISTIC_ACK",
            ErrorCode::InvalidDcid => "ERR_QUIC_INVALID_DCID",
            ErrorCode::InvalidConfig => "ERR_QUIC_INVALID_CONFIG",
            ErrorCode::InvalidPem => "ERR_QUIC_INVALID_PEM",
            ErrorCode::InvalidArgument => "ERR_QUIC_INVALID_ARGUMENT",
            ErrorCode::Io => "ERR_QUIC_IO",
            ErrorCode::Internal => "ERR_QUIC_INTERNAL",
        }
    }
}

/// An error of the native layer, before it becomes a JS `Error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuicError {
    pub code: ErrorCode,
    pub message: String,
    /// The QUIC wire code: the transport error code, or the peer's application code for
    /// `StreamStopped` / `StreamReset`.
    pub wire_code: Option<u64>,
    pub stream_id: Option<u64>,
    /// The option or argument at fault.
    pub field: Option<&'static str>,
}

pub type QuicResult<T> = Result<T, QuicError>;

impl QuicError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        QuicError {
            code,
            message: message.into(),
            wire_code: None,
            stream_id: None,
            field: None,
        }
    }

    pub fn config(field: &'static str, message: impl Into<String>) -> Self {
        QuicError {
            field: Some(field),
            ..QuicError::new(ErrorCode::InvalidConfig, message)
        }
    }

    pub fn pem(field: &'static str, message: impl Into<String>) -> Self {
        QuicError {
            field: Some(field),
            ..QuicError::new(ErrorCode::InvalidPem, message)
        }
    }

    pub fn argument(field: &'static str, message: impl Into<String>) -> Self {
        QuicError {
            field: Some(field),
            ..QuicError::new(ErrorCode::InvalidArgument, message)
        }
    }

    pub fn with_stream(mut self, stream_id: u64) -> Self {
        self.stream_id = Some(stream_id);
        self
    }

    /// Throws this error into JS with its properties and returns the napi error that tells
    /// napi-rs an exception is already pending.
    pub fn throw(self, env: &Env) -> napi::Error {
        match self.build(env).and_then(|obj| env.throw(obj)) {
            Ok(()) => napi::Error::new(Status::PendingException, String::new()),
            // Building the object failed (the environment is going away): fall back to a plain error.
            Err(_) => napi::Error::new(
                Status::GenericFailure,
                format!("{}: {}", self.code.as_str(), self.message),
            ),
        }
    }

    fn build<'e>(&self, env: &'e Env) -> napi::Result<napi::bindgen_prelude::Object<'e>> {
        let mut obj = env.create_error(napi::Error::new(
            Status::GenericFailure,
            self.message.clone(),
        ))?;
        obj.set_named_property("code", self.code.as_str())?;
        if let Some(wire) = self.wire_code {
            obj.set_named_property("wireCode", wire as f64)?;
        }
        if let Some(id) = self.stream_id {
            obj.set_named_property("streamId", id as f64)?;
        }
        if let Some(field) = self.field {
            obj.set_named_property("field", field)?;
        }
        Ok(obj)
    }
}

impl std::fmt::Display for QuicError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for QuicError {}

impl From<quiche::Error> for QuicError {
    fn from(e: quiche::Error) -> Self {
        use quiche::Error as E;
        // Transport wire codes from RFC 9000 §20.1, as quiche maps them.
        let (code, wire, message): (ErrorCode, Option<u64>, &str) = match e {
            E::Done => (
                ErrorCode::Internal,
                None,
                "no more work (Done) reached an error path",
            ),
            E::BufferTooShort => (ErrorCode::BufferTooShort, None, "buffer too short"),
            E::UnknownVersion => (ErrorCode::UnknownVersion, None, "unsupported QUIC version"),
            E::InvalidFrame => (ErrorCode::InvalidFrame, Some(0x7), "invalid frame"),
            E::InvalidPacket => (ErrorCode::InvalidPacket, None, "invalid packet"),
            E::InvalidState => (
                ErrorCode::InvalidState,
                None,
                "operation not valid in the connection's state",
            ),
            E::InvalidStreamState(id) => {
                return QuicError {
                    wire_code: Some(0x5),
                    ..QuicError::new(
                        ErrorCode::InvalidStreamState,
                        "operation not valid in the stream's state",
                    )
                }
                .with_stream(id)
            }
            E::InvalidTransportParam => (
                ErrorCode::InvalidTransportParam,
                Some(0x8),
                "invalid transport parameter",
            ),
            E::CryptoFail => (
                ErrorCode::CryptoFail,
                None,
                "cryptographic operation failed",
            ),
            E::TlsFail => (ErrorCode::TlsFail, None, "TLS handshake failed"),
            E::FlowControl => (ErrorCode::FlowControl, Some(0x3), "flow control violated"),
            E::StreamLimit => (ErrorCode::StreamLimit, Some(0x4), "stream limit reached"),
            E::StreamStopped(c) => (
                ErrorCode::StreamStopped,
                Some(c),
                "the peer stopped the stream (STOP_SENDING)",
            ),
            E::StreamReset(c) => (
                ErrorCode::StreamReset,
                Some(c),
                "the peer reset the stream (RESET_STREAM)",
            ),
            E::FinalSize => (ErrorCode::FinalSize, Some(0x6), "stream final size changed"),
            E::CongestionControl => (
                ErrorCode::CongestionControl,
                None,
                "congestion control failed",
            ),
            E::IdLimit => (
                ErrorCode::IdLimit,
                Some(0x9),
                "connection id limit exceeded",
            ),
            E::OutOfIdentifiers => (ErrorCode::OutOfIdentifiers, None, "no spare connection id"),
            E::KeyUpdate => (ErrorCode::KeyUpdate, Some(0xe), "key update failed"),
            E::CryptoBufferExceeded => (
                ErrorCode::CryptoBufferExceeded,
                Some(0xd),
                "crypto buffer exceeded",
            ),
            E::InvalidAckRange => (ErrorCode::InvalidAckRange, Some(0xa), "invalid ACK range"),
            E::OptimisticAckDetected => (
                ErrorCode::OptimisticAck,
                Some(0xa),
                "optimistic ACK detected",
            ),
            E::InvalidDcidInitialization => (
                ErrorCode::InvalidDcid,
                None,
                "invalid destination connection id",
            ),
        };
        QuicError {
            wire_code: wire,
            ..QuicError::new(code, message)
        }
    }
}

/// Turns a core result into a napi result, throwing the error with its properties.
pub trait IntoNapi<T> {
    fn napi(self, env: &Env) -> napi::Result<T>;
}

impl<T> IntoNapi<T> for QuicResult<T> {
    fn napi(self, env: &Env) -> napi::Result<T> {
        self.map_err(|e| e.throw(env))
    }
}

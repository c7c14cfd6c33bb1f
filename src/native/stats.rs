//! Connection and path statistics as plain objects. Durations are in milliseconds; counters
//! are JS numbers (exact up to 2^53).

use napi_derive::napi;

use crate::address::HostPort;

#[napi(object)]
pub struct ConnectionStats {
    pub recv: f64,
    pub sent: f64,
    pub lost: f64,
    pub spurious_lost: f64,
    pub retrans: f64,
    pub sent_bytes: f64,
    pub recv_bytes: f64,
    pub acked_bytes: f64,
    pub lost_bytes: f64,
    pub stream_retrans_bytes: f64,
    pub dgram_recv: f64,
    pub dgram_sent: f64,
    pub paths_count: f64,
    pub reset_stream_count_local: f64,
    pub stopped_stream_count_local: f64,
    pub reset_stream_count_remote: f64,
    pub stopped_stream_count_remote: f64,
    pub amplification_limited_count: f64,
    pub path_challenge_rx_count: f64,
    pub bytes_in_flight_duration: f64,
    /// The peer's transport parameters, once known.
    pub peer_max_idle_timeout: Option<f64>,
    pub peer_max_udp_payload_size: Option<f64>,
    pub peer_initial_max_data: Option<f64>,
    pub peer_initial_max_stream_data_bidi_local: Option<f64>,
    pub peer_initial_max_stream_data_bidi_remote: Option<f64>,
    pub peer_initial_max_stream_data_uni: Option<f64>,
    pub peer_initial_max_streams_bidi: Option<f64>,
    pub peer_initial_max_streams_uni: Option<f64>,
    pub peer_ack_delay_exponent: Option<f64>,
    pub peer_max_ack_delay: Option<f64>,
    pub peer_disable_active_migration: Option<bool>,
    pub peer_active_conn_id_limit: Option<f64>,
    pub peer_max_datagram_frame_size: Option<f64>,
}

#[napi(object)]
pub struct PathStats {
    pub local: HostPort,
    pub peer: HostPort,
    /// `"failed"`, `"unknown"`, `"validating"`, `"validatingMtu"` or `"validated"`.
    pub validation_state: String,
    pub active: bool,
    pub recv: f64,
    pub sent: f64,
    pub lost: f64,
    pub retrans: f64,
    pub total_pto_count: f64,
    pub dgram_recv: f64,
    pub dgram_sent: f64,
    pub dgram_lost: f64,
    pub rtt: f64,
    pub min_rtt: Option<f64>,
    pub max_rtt: Option<f64>,
    pub rttvar: f64,
    pub cwnd: f64,
    pub sent_bytes: f64,
    pub recv_bytes: f64,
    pub lost_bytes: f64,
    pub stream_retrans_bytes: f64,
    pub pmtu: f64,
    pub delivery_rate: f64,
}

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub fn connection(conn: &quiche::Connection) -> ConnectionStats {
    let s = conn.stats();
    let p = conn.peer_transport_params();
    ConnectionStats {
        recv: s.recv as f64,
        sent: s.sent as f64,
        lost: s.lost as f64,
        spurious_lost: s.spurious_lost as f64,
        retrans: s.retrans as f64,
        sent_bytes: s.sent_bytes as f64,
        recv_bytes: s.recv_bytes as f64,
        acked_bytes: s.acked_bytes as f64,
        lost_bytes: s.lost_bytes as f64,
        stream_retrans_bytes: s.stream_retrans_bytes as f64,
        dgram_recv: s.dgram_recv as f64,
        dgram_sent: s.dgram_sent as f64,
        paths_count: s.paths_count as f64,
        reset_stream_count_local: s.reset_stream_count_local as f64,
        stopped_stream_count_local: s.stopped_stream_count_local as f64,
        reset_stream_count_remote: s.reset_stream_count_remote as f64,
        stopped_stream_count_remote: s.stopped_stream_count_remote as f64,
        amplification_limited_count: s.amplification_limited_count as f64,
        path_challenge_rx_count: s.path_challenge_rx_count as f64,
        bytes_in_flight_duration: ms(s.bytes_in_flight_duration),
        peer_max_idle_timeout: p.map(|p| p.max_idle_timeout as f64),
        peer_max_udp_payload_size: p.map(|p| p.max_udp_payload_size as f64),
        peer_initial_max_data: p.map(|p| p.initial_max_data as f64),
        peer_initial_max_stream_data_bidi_local: p
            .map(|p| p.initial_max_stream_data_bidi_local as f64),
        peer_initial_max_stream_data_bidi_remote: p
            .map(|p| p.initial_max_stream_data_bidi_remote as f64),
        peer_initial_max_stream_data_uni: p.map(|p| p.initial_max_stream_data_uni as f64),
        peer_initial_max_streams_bidi: p.map(|p| p.initial_max_streams_bidi as f64),
        peer_initial_max_streams_uni: p.map(|p| p.initial_max_streams_uni as f64),
        peer_ack_delay_exponent: p.map(|p| p.ack_delay_exponent as f64),
        peer_max_ack_delay: p.map(|p| p.max_ack_delay as f64),
        peer_disable_active_migration: p.map(|p| p.disable_active_migration),
        peer_active_conn_id_limit: p.map(|p| p.active_conn_id_limit as f64),
        peer_max_datagram_frame_size: p.and_then(|p| p.max_datagram_frame_size.map(|v| v as f64)),
    }
}

pub fn path(p: &quiche::PathStats) -> PathStats {
    // quiche does not export the state's type; its Debug names are stable variant names.
    let state = match format!("{:?}", p.validation_state).as_str() {
        "Failed" => "failed",
        "Unknown" => "unknown",
        "Validating" => "validating",
        "ValidatingMTU" => "validatingMtu",
        _ => "validated",
    };
    PathStats {
        local: (&p.local_addr).into(),
        peer: (&p.peer_addr).into(),
        validation_state: state.to_string(),
        active: p.active,
        recv: p.recv as f64,
        sent: p.sent as f64,
        lost: p.lost as f64,
        retrans: p.retrans as f64,
        total_pto_count: p.total_pto_count as f64,
        dgram_recv: p.dgram_recv as f64,
        dgram_sent: p.dgram_sent as f64,
        dgram_lost: p.dgram_lost as f64,
        rtt: ms(p.rtt),
        min_rtt: p.min_rtt.map(ms),
        max_rtt: p.max_rtt.map(ms),
        rttvar: ms(p.rttvar),
        cwnd: p.cwnd as f64,
        sent_bytes: p.sent_bytes as f64,
        recv_bytes: p.recv_bytes as f64,
        lost_bytes: p.lost_bytes as f64,
        stream_retrans_bytes: p.stream_retrans_bytes as f64,
        pmtu: p.pmtu as f64,
        delivery_rate: p.delivery_rate as f64,
    }
}

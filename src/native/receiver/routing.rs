//! Routing a datagram to its connection by destination connection id: the ids each connection
//! registered, and what a batch leaves for JS (the connections touched, the datagrams no id
//! matched).

use super::*;

/// The destination connection id of a datagram: long headers carry its length, short headers
/// have the length this endpoint issues. `None` when the datagram is too short to hold one.
pub fn dcid(data: &[u8], cid_len: usize) -> Option<&[u8]> {
    let first = *data.first()?;
    if first & 0x80 != 0 {
        let len = *data.get(5)? as usize;
        data.get(6..6 + len)
    } else {
        data.get(1..1 + cid_len)
    }
}

struct Route {
    conn: Reference<Connection>,
    token: u32,
}

/// Connection ids → connections, and the per-batch bookkeeping: the part that does no I/O.
pub struct Router {
    routes: HashMap<Box<[u8]>, Route>,
    cid_len: usize,
}

/// What one batch left for JS.
#[derive(Default)]
pub struct Outcome {
    /// Distinct tokens of the connections that got datagrams, in first-seen order.
    pub touched: Vec<u32>,
    /// Datagrams no route claimed, with their sources.
    pub unmatched: Vec<(Vec<u8>, SocketAddr)>,
}

impl Router {
    pub fn new(cid_len: usize) -> Self {
        Router {
            routes: HashMap::new(),
            cid_len,
        }
    }

    /// Routes datagrams whose DCID is `cid` to `conn`, reported to JS as `token`.
    pub fn insert(&mut self, cid: &[u8], conn: Reference<Connection>, token: u32) {
        self.routes.insert(cid.into(), Route { conn, token });
    }

    /// Stops routing `cid`, if it still routes to `token` (the id may have moved on since).
    pub fn remove(&mut self, cid: &[u8], token: u32) {
        if self.routes.get(cid).is_some_and(|r| r.token == token) {
            self.routes.remove(cid);
        }
    }

    /// How many ids are routed.
    pub fn len(&self) -> usize {
        self.routes.len()
    }

    /// Whether no id is routed.
    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }

    /// Feeds one datagram to the connection its DCID names, or sets it aside for JS.
    pub fn dispatch(&mut self, data: &mut [u8], from: SocketAddr, out: &mut Outcome) {
        let Some(cid) = dcid(data, self.cid_len) else {
            // Too short to be QUIC: nobody could use it.
            return;
        };
        match self.routes.get_mut(cid) {
            Some(route) => {
                // A datagram that fails the connection shows in its next poll, as through `recv`.
                let _ = route.conn.recv_from(data, from);
                if !out.touched.contains(&route.token) {
                    out.touched.push(route.token);
                }
            }
            None => out.unmatched.push((data.to_vec(), from)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::dcid;

    #[test]
    fn dcid_of_long_and_short_headers() {
        let mut long = vec![0xc0, 0, 0, 0, 1, 8];
        long.extend_from_slice(&[7; 8]);
        assert_eq!(dcid(&long, 20), Some(&[7u8; 8][..]));
        let mut short = vec![0x40];
        short.extend_from_slice(&[9; 20]);
        assert_eq!(dcid(&short, 20), Some(&[9u8; 20][..]));
        assert_eq!(dcid(&short[..20], 20), None, "one byte short");
        assert_eq!(dcid(&[], 20), None);
        assert_eq!(dcid(&[0xc0, 0, 0, 0, 1], 20), None, "no length byte");
        assert_eq!(
            dcid(&[0xc0, 0, 0, 0, 1, 4, 1, 2], 20),
            None,
            "length past the end"
        );
    }
}

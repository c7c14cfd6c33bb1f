//! A quinn echo server for the interop tests (ALPN `quic-interop`): every bidirectional stream
//! is echoed, except one whose content is `addr?`, which is answered with the client address
//! quinn holds for the connection now (how a test sees that the server followed a migration).
//! Prints `{"port":N}` once listening.
//!
//!   quinn-peer --cert F --key F

use std::sync::Arc;

fn arg(name: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    let at = args
        .iter()
        .position(|a| a == name)
        .unwrap_or_else(|| panic!("{name} missing"));
    args[at + 1].clone()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let certs = rustls_pemfile::certs(&mut std::io::BufReader::new(std::fs::File::open(arg(
        "--cert",
    ))?))
    .collect::<Result<Vec<_>, _>>()?;
    let key = rustls_pemfile::private_key(&mut std::io::BufReader::new(std::fs::File::open(
        arg("--key"),
    )?))?
    .ok_or("no private key")?;
    // ring without post-quantum key exchange (deprecated for that): this test peer needs none.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut tls = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .with_no_client_auth()
        .with_single_cert(certs, key)?;
    tls.alpn_protocols = vec![b"quic-interop".to_vec()];
    let crypto = quinn::crypto::rustls::QuicServerConfig::try_from(tls)?;
    let config = quinn::ServerConfig::with_crypto(Arc::new(crypto));
    let endpoint = quinn::Endpoint::server(config, "127.0.0.1:0".parse()?)?;
    println!("{{\"port\":{}}}", endpoint.local_addr()?.port());
    while let Some(incoming) = endpoint.accept().await {
        tokio::spawn(async move {
            let Ok(conn) = incoming.await else { return };
            while let Ok((mut send, mut recv)) = conn.accept_bi().await {
                let conn = conn.clone();
                tokio::spawn(async move {
                    let Ok(data) = recv.read_to_end(64 << 20).await else {
                        return;
                    };
                    let reply = if data == b"addr?" {
                        conn.remote_address().to_string().into_bytes()
                    } else {
                        data
                    };
                    let _ = send.write_all(&reply).await;
                    let _ = send.finish();
                    let _ = send.stopped().await;
                });
            }
        });
    }
    Ok(())
}

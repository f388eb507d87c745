//! The population: the clinics (their addresses, browsers and kept-alive connections), one-off
//! connections of other clients, and the TLS each connection negotiates.

use super::timeline::{DAY, MINUTE};
use super::{Scenario, TAG_CONN, TAG_ROSTER};
use crate::generate::record::{Listener, Tls};
use crate::generate::rng::Rng;

const BROWSER_UAS: [&str; 9] = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36 Edg/142.0.0.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:145.0) Gecko/20100101 Firefox/145.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.1 Safari/605.1.15",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPad; CPU OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:145.0) Gecko/20100101 Firefox/145.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Mobile/15E148 Safari/604.1",
];

/// One client connection: who, from which port, on which LB node and listener.
#[derive(Debug, Clone)]
pub(super) struct Conn {
    pub(super) ip: String,
    pub(super) port: u16,
    pub(super) tid: String,
    pub(super) node: u8,
    pub(super) listener: Listener,
    pub(super) tls: Option<Tls>,
    pub(super) ua: String,
}

#[derive(Debug, Clone)]
pub(super) struct Clinic {
    ip: String,
    pub(super) weight: f64,
    conns: u64,
    uas: Vec<&'static str>,
}

/// The clinics: 40 sites (every fifth on IPv6), each with its share of the traffic, how many
/// connections it keeps open and its browsers; drawn from the seed alone.
pub(super) fn roster(seed: u64) -> Vec<Clinic> {
    let mut rng = Rng::from_parts(&[seed, TAG_ROSTER]);
    let mut clinics = Vec::new();
    for i in 0..40u64 {
        let ip = if i % 5 == 3 {
            format!("2001:db8:4a1:{:x}::{:x}", 0x10 + 0x13 * i, 0x20 + 7 * i)
        } else {
            format!("192.0.2.{}", 11 + 3 * i - (i / 5))
        };
        let n_ua = rng.range(1, 3) as usize;
        let mut uas = Vec::new();
        for _ in 0..n_ua {
            uas.push(BROWSER_UAS[rng.below(BROWSER_UAS.len() as u64) as usize]);
        }
        clinics.push(Clinic {
            ip,
            weight: 1.0 + 3.0 * rng.f64(),
            conns: rng.range(2, 4),
            uas,
        });
    }
    clinics
}

fn tls_for(rng: &mut Rng, sni: bool) -> Tls {
    if rng.chance(0.6) {
        let cipher = match rng.weighted(&[0.7, 0.2, 0.1]) {
            0 => "TLS_AES_128_GCM_SHA256",
            1 => "TLS_AES_256_GCM_SHA384",
            _ => "TLS_CHACHA20_POLY1305_SHA256",
        };
        Tls {
            cipher,
            protocol: "TLSv1.3",
            session_reused: rng.chance(0.2),
            sni,
        }
    } else {
        let cipher = if rng.chance(0.8) {
            "ECDHE-RSA-AES128-GCM-SHA256"
        } else {
            "ECDHE-RSA-AES256-GCM-SHA384"
        };
        Tls {
            cipher,
            protocol: "TLSv1.2",
            session_reused: rng.chance(0.2),
            sni,
        }
    }
}

impl Scenario {
    /// Share of connections on the HTTPS listener: 5 % at 00:00 of the first day, rising
    /// linearly to 90 % at its end (the hospital's HTTPS ticket), then constant.
    fn https_share(&self, t: i64) -> f64 {
        let frac = ((t - self.day0_us) as f64 / DAY as f64).clamp(0.0, 1.0);
        0.05 + 0.85 * frac
    }

    pub(super) fn clinic_conn(&self, rng: &mut Rng, t: i64) -> Conn {
        let ci = rng.weighted(&self.clinic_weights);
        let clinic = &self.clinics[ci];
        // A connection lives ~10 minutes; a clinic keeps a few of them open.
        let slot = t.div_euclid(10 * MINUTE);
        let sub = rng.below(clinic.conns);
        let mut c = Rng::from_parts(&[self.seed, TAG_CONN, ci as u64, slot as u64, sub]);
        let port = c.range(1024, 65535) as u16;
        let tid = format!("TID_{}", c.hex(32));
        let node = c.below(2) as u8;
        let (listener, tls) = if c.chance(self.https_share(slot * 10 * MINUTE)) {
            let l = if c.chance(0.45) {
                Listener::H2
            } else {
                Listener::Https
            };
            (l, Some(tls_for(&mut c, true)))
        } else {
            (Listener::Http, None)
        };
        let ua = clinic.uas[c.below(clinic.uas.len() as u64) as usize].to_string();
        Conn {
            ip: clinic.ip.clone(),
            port,
            tid,
            node,
            listener,
            tls,
            ua,
        }
    }

    /// A one-off connection (clients that do not keep connections alive).
    pub(super) fn fresh_conn(
        rng: &mut Rng,
        ip: &str,
        ua: &str,
        listener: Listener,
        sni: bool,
    ) -> Conn {
        let port = rng.range(1024, 65535) as u16;
        let tid = format!("TID_{}", rng.hex(32));
        let node = rng.below(2) as u8;
        let tls = match listener {
            Listener::Http => None,
            _ => Some(tls_for(rng, sni)),
        };
        Conn {
            ip: ip.to_string(),
            port,
            tid,
            node,
            listener,
            tls,
            ua: ua.to_string(),
        }
    }
}

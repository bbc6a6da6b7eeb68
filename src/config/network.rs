//! An IP network in CIDR notation (`10.0.0.0/8`, `2001:db8::/32`; a bare address is that one
//! host), for `[server] operator_networks`: who may see the operator's views.

use std::fmt;
use std::net::IpAddr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    /// With the host bits cleared.
    address: IpAddr,
    prefix: u8,
}

/// Who sees the operator's views when the config names no network: this machine only.
pub const LOOPBACK: [&str; 2] = ["127.0.0.0/8", "::1/128"];

impl Network {
    pub fn parse(text: &str) -> Result<Network, String> {
        let (address, prefix) = match text.trim().split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text.trim(), None),
        };
        let address: IpAddr = address.parse().map_err(|_| {
            format!("expected an IP network such as \"10.0.0.0/8\" or \"::1/128\", got {text:?}")
        })?;
        let bits = bits_of(address);
        let prefix = match prefix {
            None => bits,
            Some(prefix) => match prefix.parse::<u8>() {
                Ok(prefix) if prefix <= bits => prefix,
                _ => {
                    return Err(format!("the prefix length of {text:?} must be 0 to {bits}"));
                }
            },
        };
        Ok(Network {
            address: masked(address, prefix),
            prefix,
        })
    }

    /// Whether `ip` is in the network (an IPv4 address seen as `::ffff:a.b.c.d` counts as
    /// itself).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        ip.is_ipv4() == self.address.is_ipv4() && masked(ip, self.prefix) == self.address
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.address, self.prefix)
    }
}

fn bits_of(address: IpAddr) -> u8 {
    match address {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

/// `address` with every bit past the first `prefix` cleared.
fn masked(address: IpAddr, prefix: u8) -> IpAddr {
    match address {
        IpAddr::V4(v4) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4((u32::from(v4) & mask).into())
        }
        IpAddr::V6(v6) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6((u128::from(v6) & mask).into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn networks_hold_their_addresses_and_no_others() {
        let cases = [
            ("127.0.0.0/8", "127.0.0.1", true),
            ("127.0.0.0/8", "127.255.0.9", true),
            ("127.0.0.0/8", "128.0.0.1", false),
            ("127.0.0.1/32", "127.0.0.2", false),
            ("127.0.0.1", "127.0.0.1", true),
            ("10.1.2.3/16", "10.1.200.1", true),
            ("10.1.2.3/16", "10.2.0.1", false),
            ("0.0.0.0/0", "203.0.113.9", true),
            ("0.0.0.0/0", "::1", false),
            ("::1/128", "::1", true),
            ("::1/128", "127.0.0.1", false),
            ("2001:db8::/32", "2001:db8:ffff::1", true),
            ("2001:db8::/32", "2001:db9::1", false),
            // An IPv4 client on a dual-stack socket.
            ("127.0.0.0/8", "::ffff:127.0.0.1", true),
            ("::/0", "2001:db8::1", true),
        ];
        for (network, address, inside) in cases {
            let parsed = Network::parse(network).unwrap();
            assert_eq!(
                parsed.contains(ip(address)),
                inside,
                "{network} ∋ {address}"
            );
        }
        assert_eq!(
            Network::parse("10.1.2.3/16").unwrap().to_string(),
            "10.1.0.0/16"
        );
    }

    #[test]
    fn a_network_that_is_not_one_is_refused() {
        for (text, said) in [
            ("10.0.0.0/33", "must be 0 to 32"),
            ("::/129", "must be 0 to 128"),
            ("10.0.0.0/", "must be 0 to 32"),
            ("10.0.0.0/x", "must be 0 to 32"),
            ("localhost", "expected an IP network"),
            ("10.0.0/8", "expected an IP network"),
        ] {
            let refused = Network::parse(text).unwrap_err();
            assert!(refused.contains(said), "{text}: {refused}");
        }
    }
}

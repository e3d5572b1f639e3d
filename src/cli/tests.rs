//! Unit tests of the command line and its value parsers.

use super::*;
use clap::CommandFactory;

use super::follow::parse_listen;

#[test]
fn verify_cli() {
    Cli::command().debug_assert();
}

#[test]
fn windows_and_zones() {
    assert_eq!(parse_window("5m"), Ok(300));
    assert_eq!(parse_window("1d"), Ok(86_400));
    assert!(parse_window("0h").is_err());
    assert!(parse_window("1w").is_err());
    assert_eq!(parse_zone("+01:00"), Ok(Zone::Fixed(3600)));
    assert_eq!(parse_zone("-0530"), Ok(Zone::Fixed(-19_800)));
    assert_eq!(parse_zone("UTC"), Ok(Zone::Utc));
    assert!(parse_zone("Europe/Paris").is_err());
}

#[test]
fn since_forms() {
    let now = 1_795_341_601; // 2026-11-22T10:00:01Z
    assert_eq!(parse_when("today", Zone::Utc, now), Ok(1_795_305_600));
    assert_eq!(
        parse_when("yesterday", Zone::Utc, now),
        Ok(1_795_305_600 - 86_400)
    );
    assert_eq!(
        parse_when("2026-11-22", Zone::Fixed(3600), now),
        Ok(1_795_305_600 - 3600)
    );
    assert_eq!(parse_when("2026-11-22T10:00:01Z", Zone::Utc, now), Ok(now));
    assert!(parse_when("soon", Zone::Utc, now).is_err());
}

#[test]
fn listen_addresses() {
    let loopback = |port| std::net::SocketAddr::from(([127, 0, 0, 1], port));
    assert_eq!(parse_listen("9421"), Ok(loopback(9421)));
    assert_eq!(parse_listen(":9421"), Ok(loopback(9421)));
    assert_eq!(parse_listen("127.0.0.1:9421"), Ok(loopback(9421)));
    assert_eq!(
        parse_listen("[::1]:9421"),
        Ok("[::1]:9421".parse().unwrap())
    );
    // Host names are resolved (issue 19 §5); localhost is loopback.
    let local = parse_listen("localhost:9421").unwrap();
    assert!(local.ip().is_loopback() && local.port() == 9421, "{local}");
    assert!(parse_listen("localhost").is_err());
    assert!(parse_listen("localhost:99999").is_err());
    assert!(parse_listen("no-such-host.invalid:9421").is_err());
}

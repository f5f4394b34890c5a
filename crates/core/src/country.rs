//! ISO 3166-1 countries: the assigned alpha-2 codes with their alpha-3 codes.
//!
//! The officially assigned codes plus `XK` (Kosovo: a user-assigned code that
//! Kosovo's IBANs and the SWIFT registry use; ICAO documents write `RKS`).
//! One table for every part of the core that names a country (regions,
//! report countries, bank accounts, passports), sorted by alpha-2 for binary
//! search.

use std::sync::OnceLock;

const COUNTRIES: [([u8; 2], [u8; 3]); 250] = [
    (*b"AD", *b"AND"),
    (*b"AE", *b"ARE"),
    (*b"AF", *b"AFG"),
    (*b"AG", *b"ATG"),
    (*b"AI", *b"AIA"),
    (*b"AL", *b"ALB"),
    (*b"AM", *b"ARM"),
    (*b"AO", *b"AGO"),
    (*b"AQ", *b"ATA"),
    (*b"AR", *b"ARG"),
    (*b"AS", *b"ASM"),
    (*b"AT", *b"AUT"),
    (*b"AU", *b"AUS"),
    (*b"AW", *b"ABW"),
    (*b"AX", *b"ALA"),
    (*b"AZ", *b"AZE"),
    (*b"BA", *b"BIH"),
    (*b"BB", *b"BRB"),
    (*b"BD", *b"BGD"),
    (*b"BE", *b"BEL"),
    (*b"BF", *b"BFA"),
    (*b"BG", *b"BGR"),
    (*b"BH", *b"BHR"),
    (*b"BI", *b"BDI"),
    (*b"BJ", *b"BEN"),
    (*b"BL", *b"BLM"),
    (*b"BM", *b"BMU"),
    (*b"BN", *b"BRN"),
    (*b"BO", *b"BOL"),
    (*b"BQ", *b"BES"),
    (*b"BR", *b"BRA"),
    (*b"BS", *b"BHS"),
    (*b"BT", *b"BTN"),
    (*b"BV", *b"BVT"),
    (*b"BW", *b"BWA"),
    (*b"BY", *b"BLR"),
    (*b"BZ", *b"BLZ"),
    (*b"CA", *b"CAN"),
    (*b"CC", *b"CCK"),
    (*b"CD", *b"COD"),
    (*b"CF", *b"CAF"),
    (*b"CG", *b"COG"),
    (*b"CH", *b"CHE"),
    (*b"CI", *b"CIV"),
    (*b"CK", *b"COK"),
    (*b"CL", *b"CHL"),
    (*b"CM", *b"CMR"),
    (*b"CN", *b"CHN"),
    (*b"CO", *b"COL"),
    (*b"CR", *b"CRI"),
    (*b"CU", *b"CUB"),
    (*b"CV", *b"CPV"),
    (*b"CW", *b"CUW"),
    (*b"CX", *b"CXR"),
    (*b"CY", *b"CYP"),
    (*b"CZ", *b"CZE"),
    (*b"DE", *b"DEU"),
    (*b"DJ", *b"DJI"),
    (*b"DK", *b"DNK"),
    (*b"DM", *b"DMA"),
    (*b"DO", *b"DOM"),
    (*b"DZ", *b"DZA"),
    (*b"EC", *b"ECU"),
    (*b"EE", *b"EST"),
    (*b"EG", *b"EGY"),
    (*b"EH", *b"ESH"),
    (*b"ER", *b"ERI"),
    (*b"ES", *b"ESP"),
    (*b"ET", *b"ETH"),
    (*b"FI", *b"FIN"),
    (*b"FJ", *b"FJI"),
    (*b"FK", *b"FLK"),
    (*b"FM", *b"FSM"),
    (*b"FO", *b"FRO"),
    (*b"FR", *b"FRA"),
    (*b"GA", *b"GAB"),
    (*b"GB", *b"GBR"),
    (*b"GD", *b"GRD"),
    (*b"GE", *b"GEO"),
    (*b"GF", *b"GUF"),
    (*b"GG", *b"GGY"),
    (*b"GH", *b"GHA"),
    (*b"GI", *b"GIB"),
    (*b"GL", *b"GRL"),
    (*b"GM", *b"GMB"),
    (*b"GN", *b"GIN"),
    (*b"GP", *b"GLP"),
    (*b"GQ", *b"GNQ"),
    (*b"GR", *b"GRC"),
    (*b"GS", *b"SGS"),
    (*b"GT", *b"GTM"),
    (*b"GU", *b"GUM"),
    (*b"GW", *b"GNB"),
    (*b"GY", *b"GUY"),
    (*b"HK", *b"HKG"),
    (*b"HM", *b"HMD"),
    (*b"HN", *b"HND"),
    (*b"HR", *b"HRV"),
    (*b"HT", *b"HTI"),
    (*b"HU", *b"HUN"),
    (*b"ID", *b"IDN"),
    (*b"IE", *b"IRL"),
    (*b"IL", *b"ISR"),
    (*b"IM", *b"IMN"),
    (*b"IN", *b"IND"),
    (*b"IO", *b"IOT"),
    (*b"IQ", *b"IRQ"),
    (*b"IR", *b"IRN"),
    (*b"IS", *b"ISL"),
    (*b"IT", *b"ITA"),
    (*b"JE", *b"JEY"),
    (*b"JM", *b"JAM"),
    (*b"JO", *b"JOR"),
    (*b"JP", *b"JPN"),
    (*b"KE", *b"KEN"),
    (*b"KG", *b"KGZ"),
    (*b"KH", *b"KHM"),
    (*b"KI", *b"KIR"),
    (*b"KM", *b"COM"),
    (*b"KN", *b"KNA"),
    (*b"KP", *b"PRK"),
    (*b"KR", *b"KOR"),
    (*b"KW", *b"KWT"),
    (*b"KY", *b"CYM"),
    (*b"KZ", *b"KAZ"),
    (*b"LA", *b"LAO"),
    (*b"LB", *b"LBN"),
    (*b"LC", *b"LCA"),
    (*b"LI", *b"LIE"),
    (*b"LK", *b"LKA"),
    (*b"LR", *b"LBR"),
    (*b"LS", *b"LSO"),
    (*b"LT", *b"LTU"),
    (*b"LU", *b"LUX"),
    (*b"LV", *b"LVA"),
    (*b"LY", *b"LBY"),
    (*b"MA", *b"MAR"),
    (*b"MC", *b"MCO"),
    (*b"MD", *b"MDA"),
    (*b"ME", *b"MNE"),
    (*b"MF", *b"MAF"),
    (*b"MG", *b"MDG"),
    (*b"MH", *b"MHL"),
    (*b"MK", *b"MKD"),
    (*b"ML", *b"MLI"),
    (*b"MM", *b"MMR"),
    (*b"MN", *b"MNG"),
    (*b"MO", *b"MAC"),
    (*b"MP", *b"MNP"),
    (*b"MQ", *b"MTQ"),
    (*b"MR", *b"MRT"),
    (*b"MS", *b"MSR"),
    (*b"MT", *b"MLT"),
    (*b"MU", *b"MUS"),
    (*b"MV", *b"MDV"),
    (*b"MW", *b"MWI"),
    (*b"MX", *b"MEX"),
    (*b"MY", *b"MYS"),
    (*b"MZ", *b"MOZ"),
    (*b"NA", *b"NAM"),
    (*b"NC", *b"NCL"),
    (*b"NE", *b"NER"),
    (*b"NF", *b"NFK"),
    (*b"NG", *b"NGA"),
    (*b"NI", *b"NIC"),
    (*b"NL", *b"NLD"),
    (*b"NO", *b"NOR"),
    (*b"NP", *b"NPL"),
    (*b"NR", *b"NRU"),
    (*b"NU", *b"NIU"),
    (*b"NZ", *b"NZL"),
    (*b"OM", *b"OMN"),
    (*b"PA", *b"PAN"),
    (*b"PE", *b"PER"),
    (*b"PF", *b"PYF"),
    (*b"PG", *b"PNG"),
    (*b"PH", *b"PHL"),
    (*b"PK", *b"PAK"),
    (*b"PL", *b"POL"),
    (*b"PM", *b"SPM"),
    (*b"PN", *b"PCN"),
    (*b"PR", *b"PRI"),
    (*b"PS", *b"PSE"),
    (*b"PT", *b"PRT"),
    (*b"PW", *b"PLW"),
    (*b"PY", *b"PRY"),
    (*b"QA", *b"QAT"),
    (*b"RE", *b"REU"),
    (*b"RO", *b"ROU"),
    (*b"RS", *b"SRB"),
    (*b"RU", *b"RUS"),
    (*b"RW", *b"RWA"),
    (*b"SA", *b"SAU"),
    (*b"SB", *b"SLB"),
    (*b"SC", *b"SYC"),
    (*b"SD", *b"SDN"),
    (*b"SE", *b"SWE"),
    (*b"SG", *b"SGP"),
    (*b"SH", *b"SHN"),
    (*b"SI", *b"SVN"),
    (*b"SJ", *b"SJM"),
    (*b"SK", *b"SVK"),
    (*b"SL", *b"SLE"),
    (*b"SM", *b"SMR"),
    (*b"SN", *b"SEN"),
    (*b"SO", *b"SOM"),
    (*b"SR", *b"SUR"),
    (*b"SS", *b"SSD"),
    (*b"ST", *b"STP"),
    (*b"SV", *b"SLV"),
    (*b"SX", *b"SXM"),
    (*b"SY", *b"SYR"),
    (*b"SZ", *b"SWZ"),
    (*b"TC", *b"TCA"),
    (*b"TD", *b"TCD"),
    (*b"TF", *b"ATF"),
    (*b"TG", *b"TGO"),
    (*b"TH", *b"THA"),
    (*b"TJ", *b"TJK"),
    (*b"TK", *b"TKL"),
    (*b"TL", *b"TLS"),
    (*b"TM", *b"TKM"),
    (*b"TN", *b"TUN"),
    (*b"TO", *b"TON"),
    (*b"TR", *b"TUR"),
    (*b"TT", *b"TTO"),
    (*b"TV", *b"TUV"),
    (*b"TW", *b"TWN"),
    (*b"TZ", *b"TZA"),
    (*b"UA", *b"UKR"),
    (*b"UG", *b"UGA"),
    (*b"UM", *b"UMI"),
    (*b"US", *b"USA"),
    (*b"UY", *b"URY"),
    (*b"UZ", *b"UZB"),
    (*b"VA", *b"VAT"),
    (*b"VC", *b"VCT"),
    (*b"VE", *b"VEN"),
    (*b"VG", *b"VGB"),
    (*b"VI", *b"VIR"),
    (*b"VN", *b"VNM"),
    (*b"VU", *b"VUT"),
    (*b"WF", *b"WLF"),
    (*b"WS", *b"WSM"),
    (*b"XK", *b"RKS"),
    (*b"YE", *b"YEM"),
    (*b"YT", *b"MYT"),
    (*b"ZA", *b"ZAF"),
    (*b"ZM", *b"ZMB"),
    (*b"ZW", *b"ZWE"),
];

/// Whether `code` (two uppercase ASCII letters) is an assigned country code.
pub fn is_country(code: [u8; 2]) -> bool {
    COUNTRIES.binary_search_by_key(&code, |(a2, _)| *a2).is_ok()
}

/// The alpha-2 code of an alpha-2 or alpha-3 code in any case, or of `D`
/// (Germany, as the machine-readable zone of German passports writes it).
pub fn alpha2(code: &str) -> Option<&'static str> {
    let entry = match code.as_bytes() {
        [d] if d.eq_ignore_ascii_case(&b'D') => return Some("DE"),
        [a, b] => {
            let key = [a.to_ascii_uppercase(), b.to_ascii_uppercase()];
            COUNTRIES.binary_search_by_key(&key, |(a2, _)| *a2).ok()?
        }
        [a, b, c] => {
            let key = [
                a.to_ascii_uppercase(),
                b.to_ascii_uppercase(),
                c.to_ascii_uppercase(),
            ];
            let by_alpha3 = by_alpha3();
            let i = by_alpha3
                .binary_search_by_key(&key, |&i| COUNTRIES[i].1)
                .ok()?;
            by_alpha3[i]
        }
        _ => return None,
    };
    std::str::from_utf8(&COUNTRIES[entry].0).ok()
}

/// Indexes of [`COUNTRIES`] sorted by alpha-3 code.
fn by_alpha3() -> &'static [usize] {
    static INDEX: OnceLock<Vec<usize>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut index: Vec<usize> = (0..COUNTRIES.len()).collect();
        index.sort_by_key(|&i| COUNTRIES[i].1);
        index
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_unique() {
        assert!(COUNTRIES.windows(2).all(|w| w[0].0 < w[1].0));
        let mut a3: Vec<[u8; 3]> = COUNTRIES.iter().map(|c| c.1).collect();
        a3.sort();
        a3.dedup();
        assert_eq!(a3.len(), COUNTRIES.len());
    }

    #[test]
    fn looks_up_both_code_lengths() {
        assert_eq!(alpha2("KE"), Some("KE"));
        assert_eq!(alpha2("ken"), Some("KE"));
        assert_eq!(alpha2("RKS"), Some("XK"));
        assert_eq!(alpha2("d"), Some("DE"));
        assert_eq!(alpha2("ZZ"), None);
        assert_eq!(alpha2("ZZZ"), None);
        assert_eq!(alpha2("KENY"), None);
        assert!(is_country(*b"MM") && is_country(*b"XK") && !is_country(*b"UK"));
    }
}

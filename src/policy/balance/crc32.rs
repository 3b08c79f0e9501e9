//! CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320) with NGINX's split init/update/final steps
//! (`src/core/ngx_crc32.h`: `ngx_crc32_init`, `ngx_crc32_update`, `ngx_crc32_final`), so that a running
//! state can be continued, as `hash ... consistent` does. Written from the polynomial, table built at
//! compile time.

const fn make_table() -> [u32; 256] {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
}

static TABLE: [u32; 256] = make_table();

/// `ngx_crc32_init`: the initial running state.
pub const INIT: u32 = 0xFFFF_FFFF;

/// `ngx_crc32_update`: continues a running state over `bytes`.
#[inline]
pub fn update(mut crc: u32, bytes: &[u8]) -> u32 {
    for &b in bytes {
        crc = TABLE[((crc ^ u32::from(b)) & 0xFF) as usize] ^ (crc >> 8);
    }
    crc
}

/// `ngx_crc32_final`: turns a running state into the checksum.
#[inline]
pub fn finish(crc: u32) -> u32 {
    crc ^ 0xFFFF_FFFF
}

/// `ngx_crc32_long`: the CRC-32 of `bytes`.
#[inline]
pub fn crc32(bytes: &[u8]) -> u32 {
    finish(update(INIT, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
        assert_eq!(finish(update(update(INIT, b"1234"), b"56789")), 0xCBF4_3926);
    }
}

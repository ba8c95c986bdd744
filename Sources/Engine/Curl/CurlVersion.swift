import CCurl

/// What the libcurl linked into this binary offers (version, HTTP/2, TLS backend).
///
/// The engine issue builds the multi-interface event loop on top of `CCurl`; until then this is
/// the one place that touches libcurl, so `ttsload version` can show what load can be made with.
public enum CurlVersion {
    /// libcurl's own version string, e.g. `libcurl/7.88.1 OpenSSL/3.0.15 zlib/1.2.13 nghttp2/1.52.0`.
    public static var description: String {
        guard let text = curl_version() else { return "libcurl (unknown version)" }
        return String(cString: text)
    }

    /// The version as 0xXXYYZZ (8.0.0 is 0x080000).
    static var number: UInt32 {
        // CURLVERSION_FIRST: version_num is in every version of the struct.
        guard let info = curl_version_info(CURLVERSION_FIRST) else { return 0 }
        return info.pointee.version_num
    }
}

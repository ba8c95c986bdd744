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
}

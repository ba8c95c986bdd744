import CCurl
import Plan
import Results
import TTS

/// Turns what libcurl reported into a sample's success, error class and messages.
enum Outcome {
    /// The error class for a libcurl result code.
    static func errorClass(_ code: CURLcode) -> ErrorClass {
        switch code {
        case CURLE_COULDNT_CONNECT: return .connectRefused
        case CURLE_OPERATION_TIMEDOUT: return .timeout
        case CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM:
            return .reset
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
             CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ENGINE_NOTFOUND:
            return .tls
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY: return .dns
        default: return .other
        }
    }

    /// The error class of a broken event stream.
    static func errorClass(_ kind: SSEStreamFailure.Kind) -> ErrorClass {
        switch kind {
        case .badBase64: return .badBase64
        case .malformedEvent: return .malformedEvent
        case .errorEvent: return .errorEvent
        case .noDoneEvent: return .noDoneEvent
        }
    }

    /// The first failed check, as a failureMessage naming the check and the value; nil if all hold.
    ///
    /// Without a status check, 4xx and 5xx fail the sample (JMeter's default).
    /// `elapsed` (µs) is the sample's: from the intended send time in the open model.
    static func failedCheck(_ checks: Checks, status: Int, contentType: String, bodyBytes: Int64, elapsed: Int64) -> String? {
        if let expected = checks.status {
            if !expected.accepts(status) { return "status \(status), expected \(expected)" }
        } else if status >= 400 {
            return "status \(status)"
        }
        if let expected = checks.contentType {
            let actual = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
            if actual != expected.lowercased() { return "content type '\(actual)', expected '\(expected)'" }
        }
        if let min = checks.minBytes, bodyBytes < Int64(min) { return "body \(bodyBytes) bytes, expected at least \(min)" }
        if let max = checks.maxBytes, bodyBytes > Int64(max) { return "body \(bodyBytes) bytes, expected at most \(max)" }
        if let max = checks.maxElapsed, elapsed > max.microseconds {
            return "max_elapsed: took \(PlanDuration(microseconds: elapsed)), expected at most \(max)"
        }
        return nil
    }
}

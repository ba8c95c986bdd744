/// A client error answered with a JSON body naming the offending field:
/// `{"error": {"message": ..., "type": "invalid_request_error", "field": ..., "param": ..., "code": ...}}`
/// (`param` is OpenAI's name for the same thing, so OpenAI clients show it too).
public struct APIError: Error, Sendable, Equatable {
    public var status: Int
    /// The request field at fault (`text`, `emotion`, ...), or `body` for the body as a whole.
    public var field: String
    public var code: String
    public var message: String

    public init(status: Int = 400, field: String, code: String, message: String) {
        self.status = status
        self.field = field
        self.code = code
        self.message = message
    }

    static func invalid(_ field: String, _ message: String) -> APIError {
        APIError(field: field, code: "invalid_value", message: message)
    }

    static func wrongType(_ field: String, _ expected: String) -> APIError {
        APIError(field: field, code: "invalid_type", message: "\(field) must be \(expected)")
    }

    static func missing(_ field: String) -> APIError {
        APIError(field: field, code: "missing_field", message: "\(field) is required")
    }

    /// The JSON body.
    var json: String {
        "{\"error\":{\"message\":\(Self.quote(message)),\"type\":\"invalid_request_error\",\"field\":\(Self.quote(field)),\"param\":\(Self.quote(field)),\"code\":\(Self.quote(code))}}"
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) }
                else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}

import Foundation

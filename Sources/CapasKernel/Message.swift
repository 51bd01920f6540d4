import CapasData
import Foundation

/// One message of the Jupyter protocol (version 5.3) as it travels on the wire:
///
///     [identity…, "<IDS|MSG>", signature, header, parent_header, metadata, content, buffer…]
///
/// The signature is the hex HMAC-SHA256 of the four JSON frames with the
/// connection file's key (empty when the key is empty).
public struct Message {
    public var identities: [[UInt8]] = []
    public var header: [String: Any]
    public var parentHeader: [String: Any] = [:]
    public var metadata: [String: Any] = [:]
    public var content: [String: Any]
    public var buffers: [[UInt8]] = []

    public static let delimiter = Array("<IDS|MSG>".utf8)
    public static let protocolVersion = "5.3"

    public var type: String { header["msg_type"] as? String ?? "" }

    public init(header: [String: Any], content: [String: Any]) {
        self.header = header; self.content = content
    }
}

/// Why a message received was refused.
public enum WireError: Error, Equatable, CustomStringConvertible {
    case noDelimiter, tooFewFrames, badSignature, badJSON(String)
    public var description: String {
        switch self {
        case .noDelimiter: return "no <IDS|MSG> delimiter"
        case .tooFewFrames: return "fewer than five frames after the delimiter"
        case .badSignature: return "the signature does not match the key"
        case let .badJSON(frame): return "the \(frame) frame is not a JSON object"
        }
    }
}

/// Signs and checks messages with the connection's key, and gives them headers.
public struct Signer {
    let hmac: HMACSHA256?
    public let session: String

    public init(key: String, session: String = UUID().uuidString.lowercased()) {
        hmac = key.isEmpty ? nil : HMACSHA256(key: Array(key.utf8))
        self.session = session
    }

    /// The hex signature of the four JSON frames.
    public func signature(_ parts: [[UInt8]]) -> [UInt8] {
        guard let hmac else { return [] }
        return Array(hexString(hmac.mac(parts)).utf8)
    }

    /// The frames of a message, signed.
    public func frames(_ message: Message) throws -> [[UInt8]] {
        let parts = try [message.header, message.parentHeader, message.metadata, message.content].map(Signer.json)
        return message.identities + [Message.delimiter, signature(parts)] + parts + message.buffers
    }

    /// A message from its frames; refused when unsigned or signed with another key.
    public func parse(_ frames: [[UInt8]]) throws -> Message {
        guard let split = frames.firstIndex(of: Message.delimiter) else { throw WireError.noDelimiter }
        guard frames.count - split - 1 >= 5 else { throw WireError.tooFewFrames }
        let signature = frames[split + 1]
        let parts = Array(frames[(split + 2)..<(split + 6)])
        if hmac != nil, !constantTimeEqual(signature, self.signature(parts)) { throw WireError.badSignature }
        func object(_ i: Int, _ name: String) throws -> [String: Any] {
            guard let value = try? JSONSerialization.jsonObject(with: Data(parts[i])), let dict = value as? [String: Any] else {
                throw WireError.badJSON(name)
            }
            return dict
        }
        var message = Message(header: try object(0, "header"), content: try object(3, "content"))
        message.identities = Array(frames[..<split])
        message.parentHeader = try object(1, "parent_header")
        message.metadata = try object(2, "metadata")
        message.buffers = Array(frames[(split + 6)...])
        return message
    }

    /// A new message of `type`, in reply to (or caused by) `parent`.
    public func message(_ type: String, content: [String: Any], parent: Message?, identities: [[UInt8]]? = nil) -> Message {
        var m = Message(header: ["msg_id": UUID().uuidString.lowercased(), "session": session, "username": "capas",
                                 "date": Signer.now(), "msg_type": type, "version": Message.protocolVersion],
                        content: content)
        m.parentHeader = parent?.header ?? [:]
        m.identities = identities ?? parent?.identities ?? []
        return m
    }

    static func now() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }

    static func json(_ object: [String: Any]) throws -> [UInt8] {
        Array(try JSONSerialization.data(withJSONObject: object, options: []))
    }

    func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }
}

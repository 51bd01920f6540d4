import CapasMessages
import Foundation

/// A Jupyter connection file: where the five channels listen and the key that signs messages.
///
///     {"transport": "tcp", "ip": "127.0.0.1", "shell_port": 53794, "iopub_port": 53795,
///      "stdin_port": 53796, "control_port": 53797, "hb_port": 53798,
///      "key": "a0436f6c-…", "signature_scheme": "hmac-sha256", "kernel_name": "capas"}
public struct ConnectionInfo: Equatable, Sendable {
    public var transport: String
    public var ip: String
    public var shellPort: Int, iopubPort: Int, stdinPort: Int, controlPort: Int, hbPort: Int
    public var key: String
    public var signatureScheme: String

    public static let portNames = ["shell_port", "iopub_port", "stdin_port", "control_port", "hb_port"]

    /// The ZeroMQ address of a port: `tcp://127.0.0.1:53794`, or `ipc://IP-53794` for the ipc transport.
    public func endpoint(_ port: Int) -> String {
        transport == "ipc" ? "ipc://\(ip)-\(port)" : "\(transport)://\(ip):\(port)"
    }

    public init(transport: String = "tcp", ip: String = "127.0.0.1", shellPort: Int, iopubPort: Int, stdinPort: Int,
                controlPort: Int, hbPort: Int, key: String, signatureScheme: String = "hmac-sha256") {
        self.transport = transport; self.ip = ip
        self.shellPort = shellPort; self.iopubPort = iopubPort; self.stdinPort = stdinPort
        self.controlPort = controlPort; self.hbPort = hbPort
        self.key = key; self.signatureScheme = signatureScheme
    }

    /// Reads a connection file; a file that cannot be used says what is wrong with it.
    public init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConnectionError(file: path, problem: .unreadable)
        }
        try self.init(json: data, file: path)
    }

    public init(json data: Data, file: String) throws {
        func fail(_ problem: ConnectionError.Problem) -> ConnectionError { ConnectionError(file: file, problem: problem) }
        guard let object = try? JSONSerialization.jsonObject(with: data), let fields = object as? [String: Any] else {
            throw fail(.notJSONObject)
        }
        func string(_ name: String, default value: String?) throws -> String {
            guard let field = fields[name] else {
                if let value { return value }
                throw fail(.missing(name))
            }
            guard let text = field as? String else { throw fail(.wrongType(name, expected: "string")) }
            return text
        }
        func port(_ name: String) throws -> Int {
            guard let field = fields[name] else { throw fail(.missing(name)) }
            guard !(field is String), let number = field as? NSNumber, let value = Int(exactly: number.doubleValue) else {
                throw fail(.wrongType(name, expected: "integer"))
            }
            guard (1...65535).contains(value) else { throw fail(.badPort(name, value)) }
            return value
        }
        transport = try string("transport", default: "tcp")
        guard transport == "tcp" || transport == "ipc" else { throw fail(.badTransport(transport)) }
        ip = try string("ip", default: "127.0.0.1")
        guard !ip.isEmpty else { throw fail(.missing("ip")) }
        key = try string("key", default: "")
        signatureScheme = try string("signature_scheme", default: "hmac-sha256")
        guard signatureScheme == "hmac-sha256" || (key.isEmpty && signatureScheme.isEmpty) else {
            throw fail(.badScheme(signatureScheme))
        }
        shellPort = try port("shell_port"); iopubPort = try port("iopub_port"); stdinPort = try port("stdin_port")
        controlPort = try port("control_port"); hbPort = try port("hb_port")
        let ports = [shellPort, iopubPort, stdinPort, controlPort, hbPort]
        if transport == "tcp", Set(ports).count < ports.count { throw fail(.repeatedPort) }
    }
}

/// A connection file that cannot be used, and why.
public struct ConnectionError: LocalizedMessage, Equatable {
    public enum Problem: Equatable {
        case unreadable, notJSONObject, repeatedPort
        case missing(String)
        case wrongType(String, expected: String)
        case badPort(String, Int)
        case badTransport(String)
        case badScheme(String)
    }
    public let file: String
    public let problem: Problem

    public func message(in L: Language) -> String {
        let what: String
        switch problem {
        case .unreadable:
            what = L.pick(es: "no se puede leer el archivo", en: "the file cannot be read")
        case .notJSONObject:
            what = L.pick(es: "no es un objeto JSON (se espera {\"shell_port\": …, \"key\": …})",
                          en: "it is not a JSON object (expected {\"shell_port\": …, \"key\": …})")
        case .repeatedPort:
            what = L.pick(es: "dos canales usan el mismo puerto", en: "two channels use the same port")
        case let .missing(name):
            what = L.pick(es: "falta el campo \"\(name)\"", en: "the field \"\(name)\" is missing")
        case let .wrongType(name, expected):
            let spanish = expected == "integer" ? "un entero" : "un texto"
            what = L.pick(es: "el campo \"\(name)\" debe ser \(spanish)", en: "the field \"\(name)\" must be a\(expected == "integer" ? "n" : "") \(expected)")
        case let .badPort(name, value):
            what = L.pick(es: "\"\(name)\" es \(value): un puerto va de 1 a 65535", en: "\"\(name)\" is \(value): a port goes from 1 to 65535")
        case let .badTransport(t):
            what = L.pick(es: "el transporte \"\(t)\" no se conoce (tcp o ipc)", en: "unknown transport \"\(t)\" (tcp or ipc)")
        case let .badScheme(s):
            what = L.pick(es: "el esquema de firma \"\(s)\" no se admite (solo hmac-sha256)",
                          en: "signature scheme \"\(s)\" is not supported (only hmac-sha256)")
        }
        return L.pick(es: "archivo de conexión \(file): ", en: "connection file \(file): ") + what
    }
}

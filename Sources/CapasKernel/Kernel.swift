import CapasLineEditing
import CapasMessages
import CapasREPL
import CZMQ
import Foundation

/// The capas Jupyter kernel: one interpreter per kernel, shared by every cell.
///
/// Threads: the main one serves the shell channel (and runs cells); the control
/// channel has its own, so an interrupt or a shutdown arrives while a cell runs;
/// the heartbeat echoes on a third. IOPub is shared, behind a lock.
public final class Kernel: @unchecked Sendable {
    public let connection: ConnectionInfo
    let signer: Signer
    let interpreter: Interpreter
    let pictures = PictureSink()
    let context = SocketContext()
    let shell: Socket, control: Socket, iopub: Socket, stdin: Socket, heartbeat: Socket
    let iopubLock = NSLock()
    var executionCount = 0
    var heartbeatStarted = false
    /// The cells run, for history requests: (execution count, code).
    var history: [(Int, String)] = []

    /// Set by interrupt_request (on the control thread) or by SIGINT; cleared when a cell starts.
    let flags = Flags()
    final class Flags: @unchecked Sendable {
        private let lock = NSLock()
        private var _interrupt = false, _shutdown = false
        var interrupt: Bool {
            get { lock.lock(); defer { lock.unlock() }; return _interrupt }
            set { lock.lock(); _interrupt = newValue; lock.unlock() }
        }
        var shutdown: Bool {
            get { lock.lock(); defer { lock.unlock() }; return _shutdown }
            set { lock.lock(); _shutdown = newValue; lock.unlock() }
        }
    }

    public init(connection: ConnectionInfo, language: Language,
                environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        self.connection = connection
        signer = Signer(key: connection.key)
        interpreter = Interpreter(language: language, environment: environment)
        interpreter.pictureStyle = .pixels(pictures)
        interpreter.columns = 100
        shell = try Socket(context, type: ZMQ_ROUTER)
        control = try Socket(context, type: ZMQ_ROUTER)
        stdin = try Socket(context, type: ZMQ_ROUTER)
        iopub = try Socket(context, type: ZMQ_PUB)
        heartbeat = try Socket(context, type: ZMQ_REP)
        try shell.bind(connection.endpoint(connection.shellPort))
        try control.bind(connection.endpoint(connection.controlPort))
        try stdin.bind(connection.endpoint(connection.stdinPort))
        try iopub.bind(connection.endpoint(connection.iopubPort))
        try heartbeat.bind(connection.endpoint(connection.hbPort))
        let flags = self.flags
        interpreter.interruptRequested = { flags.interrupt || Interrupt.requested }
    }

    var L: Language { interpreter.language }

    /// Serves until a shutdown request.
    public func run() {
        // SIGINT (jupyter_client's default way to interrupt) only sets a flag: a running :train stops after its step.
        Interrupt.install()
        let hb = heartbeat
        heartbeatStarted = true
        Thread.detachNewThread {
            // Ends when the context is terminated (receive fails with ETERM); the socket must then be closed for the context to finish.
            while let frames = try? hb.receive() { try? hb.send(frames) }
            hb.close()
        }
        let controlDone = DispatchSemaphore(value: 0)
        Thread.detachNewThread { [self] in
            while !flags.shutdown {
                guard Socket.poll([control], timeout: 100)[0], let frames = try? control.receive() else { continue }
                handle(frames, on: control)
            }
            controlDone.signal()
        }
        publish("status", ["execution_state": "starting"], parent: nil)
        while !flags.shutdown {
            guard Socket.poll([shell], timeout: 100)[0], let frames = try? shell.receive() else { continue }
            handle(frames, on: shell)
        }
        // The shutdown reply (and the last outputs) must leave before the process ends: close, then end the context.
        controlDone.wait()
        for socket in [shell, control, stdin, iopub] { socket.close() }
        context.terminate()
    }

    /// Every socket must be closed before the context can end (its deinit waits for them; the last replies
    /// leave within the linger time). A running heartbeat thread closes its own socket.
    deinit {
        for socket in [shell, control, stdin, iopub] { socket.close() }
        if !heartbeatStarted { heartbeat.close() }
    }

    // MARK: messages

    func handle(_ frames: [[UInt8]], on socket: Socket) {
        let request: Message
        do { request = try signer.parse(frames) } catch {
            FileHandle.standardError.write(Data("capas kernel: message refused: \(error)\n".utf8))
            return
        }
        let type = request.type
        guard type.hasSuffix("_request") else { return }  // comm_open, comm_msg…: no comms here
        // The control thread must not touch the session a cell may be using on the main thread.
        if socket === control, !["kernel_info_request", "interrupt_request", "shutdown_request"].contains(type) {
            FileHandle.standardError.write(Data("capas kernel: \(type) is not served on the control channel\n".utf8))
            return
        }
        publish("status", ["execution_state": "busy"], parent: request)
        defer { publish("status", ["execution_state": "idle"], parent: request) }
        let replyType = String(type.dropLast("_request".count)) + "_reply"
        let content: [String: Any]
        switch type {
        case "kernel_info_request": content = kernelInfo()
        case "execute_request": content = execute(request)
        case "complete_request": content = complete(request.content)
        case "inspect_request": content = inspect(request.content)
        case "is_complete_request": content = isComplete(request.content)
        case "history_request": content = historyReply(request.content)
        case "comm_info_request": content = ["status": "ok", "comms": [String: Any]()]
        case "interrupt_request":
            flags.interrupt = true
            content = ["status": "ok"]
        case "shutdown_request":
            content = ["status": "ok", "restart": request.content["restart"] as? Bool ?? false]
            flags.interrupt = true
            flags.shutdown = true
        default:
            FileHandle.standardError.write(Data("capas kernel: \(type) is not supported\n".utf8))
            return
        }
        send(signer.message(replyType, content: content, parent: request), on: socket)
    }

    func send(_ message: Message, on socket: Socket) {
        guard let frames = try? signer.frames(message) else { return }
        if socket === iopub {
            iopubLock.lock(); defer { iopubLock.unlock() }
            try? socket.send(frames)
        } else {
            try? socket.send(frames)
        }
    }

    func publish(_ type: String, _ content: [String: Any], parent: Message?) {
        // IOPub topics: the message type, as ipykernel sends them ("kernel.<id>.<type>" is not needed by clients).
        send(signer.message(type, content: content, parent: parent, identities: [Array("kernel.\(signer.session).\(type)".utf8)]),
             on: iopub)
    }

    public static var version: String { "0.1.0" }

    func kernelInfo() -> [String: Any] {
        [
            "status": "ok",
            "protocol_version": Message.protocolVersion,
            "implementation": "capas",
            "implementation_version": Kernel.version,
            "language_info": [
                "name": "capas",
                "version": Kernel.version,
                "mimetype": "text/x-capas",
                "file_extension": ".capas",
                "pygments_lexer": "text",
                "codemirror_mode": "text/plain",
            ] as [String: Any],
            "banner": L.pick(es: "capas \(Kernel.version) — capas (input 28x28x1, conv 10 5x5…), cálculos y comandos; :help los lista",
                             en: "capas \(Kernel.version) — layers (input 28x28x1, conv 10 5x5…), calculations and commands; :help lists them"),
            // The project has no web page of its own yet: help is `:help` and, in a notebook, Shift-Tab on a word.
            "help_links": [[String: String]](),
            "debugger": false,
        ]
    }
}

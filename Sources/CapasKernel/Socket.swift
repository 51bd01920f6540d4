import CZMQ
import Foundation

/// A ZeroMQ failure: the call and libzmq's own message.
public struct SocketError: Error, CustomStringConvertible {
    public let call: String
    public let detail: String
    init(_ call: String) {
        self.call = call
        detail = String(cString: zmq_strerror(zmq_errno()))
    }
    public var description: String { "\(call): \(detail)" }
}

/// A ZeroMQ context; its sockets live as long as it does.
final class SocketContext: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer
    private var terminated = false
    init() { handle = zmq_ctx_new() }
    /// Ends the context once every socket is closed: blocked calls on its sockets fail with ETERM,
    /// and messages still queued are sent within each socket's linger time.
    func terminate() {
        guard !terminated else { return }
        terminated = true
        zmq_ctx_term(handle)
    }
    deinit { terminate() }
}

/// One ZeroMQ socket, used by one thread at a time.
final class Socket: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer

    init(_ context: SocketContext, type: Int32) throws {
        guard let h = zmq_socket(context.handle, type) else { throw SocketError("zmq_socket") }
        handle = h
        var linger: Int32 = 1000
        zmq_setsockopt(handle, ZMQ_LINGER, &linger, MemoryLayout<Int32>.size)
    }

    func bind(_ endpoint: String) throws {
        guard zmq_bind(handle, endpoint) == 0 else { throw SocketError("zmq_bind \(endpoint)") }
    }

    func connect(_ endpoint: String) throws {
        guard zmq_connect(handle, endpoint) == 0 else { throw SocketError("zmq_connect \(endpoint)") }
    }

    private var closed = false
    /// Closes the socket (once; later calls do nothing).
    func close() {
        guard !closed else { return }
        closed = true
        zmq_close(handle)
    }

    /// Sends the frames of one multipart message.
    func send(_ frames: [[UInt8]]) throws {
        for (i, frame) in frames.enumerated() {
            let flags = i < frames.count - 1 ? ZMQ_SNDMORE : 0
            var result: Int32
            repeat {
                result = frame.withUnsafeBytes { zmq_send(handle, $0.baseAddress, $0.count, flags) }
            } while result < 0 && zmq_errno() == EINTR
            guard result >= 0 else { throw SocketError("zmq_send") }
        }
    }

    /// Receives every frame of the next message (blocking). A signal (SIGINT) retries.
    func receive() throws -> [[UInt8]] {
        var frames: [[UInt8]] = []
        while true {
            var message = zmq_msg_t()
            zmq_msg_init(&message)
            defer { zmq_msg_close(&message) }
            var size: Int32
            repeat { size = zmq_msg_recv(&message, handle, 0) } while size < 0 && zmq_errno() == EINTR
            guard size >= 0 else { throw SocketError("zmq_msg_recv") }
            let data = zmq_msg_data(&message)
            let count = zmq_msg_size(&message)
            frames.append(count == 0 ? [] : Array(UnsafeRawBufferPointer(start: data, count: count)))
            if zmq_msg_more(&message) == 0 { return frames }
        }
    }

    /// Waits until one of the sockets has a message or `timeout` milliseconds pass (−1: forever).
    /// Returns whether each socket is readable; a signal returns all false.
    static func poll(_ sockets: [Socket], timeout: Int) -> [Bool] {
        var items = sockets.map { zmq_pollitem_t(socket: $0.handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0) }
        let n = zmq_poll(&items, Int32(items.count), timeout)
        guard n > 0 else { return sockets.map { _ in false } }
        return items.map { $0.revents & Int16(ZMQ_POLLIN) != 0 }
    }
}

import Dispatch
import Foundation

/// The core's worker threads. Work is split into contiguous, statically
/// assigned chunks, so the same thread count always gives the same
/// floating-point results (reductions happen in a fixed order).
public enum Parallel {
    nonisolated(unsafe) private static var _threads: Int = {
        if let value = ProcessInfo.processInfo.environment["CAPAS_THREADS"], let n = Int(value), n > 0 {
            return n
        }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()
    nonisolated(unsafe) private static var blasConfigured = false

    /// The number of workers (default: every core; `--threads N` or `CAPAS_THREADS` set it).
    public static var threads: Int {
        get { _threads }
        set { _threads = max(1, newValue) }
    }

    /// Makes OpenBLAS single-threaded once; capas parallelizes above it.
    @inlinable
    static func configureBLAS() {
        if !blasConfiguredFlag { setBLASConfigured() }
    }

    @usableFromInline static var blasConfiguredFlag: Bool { blasConfigured }
    @usableFromInline static func setBLASConfigured() {
        BLAS.setThreads(1)
        blasConfigured = true
    }

    /// The half-open range of `total` items that worker `index` of `workers` gets.
    @inlinable
    public static func chunk(_ index: Int, of workers: Int, total: Int) -> Range<Int> {
        let base = total / workers, extra = total % workers
        let start = index * base + min(index, extra)
        return start..<(start + base + (index < extra ? 1 : 0))
    }

    /// Runs `body(worker, range)` for contiguous chunks of `0..<total`, on up
    /// to `threads` workers. Chunks are never split further, so a body may
    /// keep per-worker accumulators indexed by `worker`.
    @inlinable
    public static func forChunks(_ total: Int, workers requested: Int? = nil,
                                 _ body: (_ worker: Int, _ range: Range<Int>) -> Void) {
        configureBLAS()
        let workers = max(1, min(requested ?? threads, total))
        if workers == 1 {
            if total > 0 { body(0, 0..<total) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            body(worker, chunk(worker, of: workers, total: total))
        }
    }

    /// The number of workers `forChunks` will use for `total` items.
    @inlinable
    public static func workers(for total: Int) -> Int { max(1, min(threads, total)) }
}

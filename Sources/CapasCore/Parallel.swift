import CCapasThreads
import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The core's worker threads. Work is split into contiguous, statically
/// assigned chunks, so the same thread count always gives the same
/// floating-point results (reductions happen in a fixed order).
public enum Parallel {
    nonisolated(unsafe) private static var _threads: Int = {
        if let value = ProcessInfo.processInfo.environment["CAPAS_THREADS"], let n = Int(value), n > 0 {
            return n
        }
        return max(1, capas_available_processors())
    }()
    nonisolated(unsafe) private static var blasConfigured = false

    /// The number of workers (default: every core this process may use, after
    /// its CPU affinity and container quota; `--threads N` or `CAPAS_THREADS` set it).
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
        #if canImport(Glibc)
        // Activations of a batch are megabytes each and are freed every step.
        // glibc serves such blocks with mmap and returns them with munmap, so
        // every step would page-fault its memory in again; keeping them in the
        // heap (up to glibc's 32 MiB ceiling) reuses the pages.
        // (`mallopt` is in <malloc.h>, which the Glibc module does not import.)
        typealias MallOpt = @convention(c) (Int32, Int32) -> Int32
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") {
            let mallopt = unsafeBitCast(symbol, to: MallOpt.self)
            _ = mallopt(-3, 32 << 20)    // M_MMAP_THRESHOLD
            _ = mallopt(-1, 128 << 20)   // M_TRIM_THRESHOLD
        }
        #endif
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
        if runOnPool(total, workers: workers, body) { return }
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            body(worker, chunk(worker, of: workers, total: total))
        }
    }

    /// What a pool thread needs to run its chunk.
    struct PoolJob {
        let body: (_ worker: Int, _ range: Range<Int>) -> Void
        let workers: Int
        let total: Int
    }

    /// Runs the chunks on the core's own pool (worker 0 on this thread); false
    /// when the pool is busy (another thread's job, or a nested call) and
    /// nothing ran.
    @usableFromInline
    static func runOnPool(_ total: Int, workers: Int, _ body: (_ worker: Int, _ range: Range<Int>) -> Void) -> Bool {
        withoutActuallyEscaping(body) { body in
            var job = PoolJob(body: body, workers: workers, total: total)
            return withUnsafeMutablePointer(to: &job) { pointer in
                capas_pool_run(workers, { context, worker in
                    let job = context!.assumingMemoryBound(to: PoolJob.self)
                    let index = Int(worker)
                    job.pointee.body(index, Parallel.chunk(index, of: job.pointee.workers, total: job.pointee.total))
                }, pointer) == 0
            }
        }
    }

    /// Splits `0..<count` elements into contiguous ranges of at least `grain`
    /// elements, one per worker: for elementwise loops that are too cheap
    /// to be worth a thread below a few tens of thousands of elements.
    @inlinable
    public static func forElements(_ count: Int, grain: Int = 32_768, _ body: (Range<Int>) -> Void) {
        let workers = max(1, min(threads, count / max(1, grain)))
        forChunks(count, workers: workers) { _, range in body(range) }
    }

    /// The number of workers `forChunks` will use for `total` items.
    @inlinable
    public static func workers(for total: Int) -> Int { max(1, min(threads, total)) }
}

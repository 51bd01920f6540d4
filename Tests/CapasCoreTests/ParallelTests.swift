import CapasCore
import Dispatch
import Foundation
import XCTest

/// The worker pool behind `Parallel.forChunks`: every chunk runs exactly once,
/// after the pool threads went to sleep too, from several callers at once, and nested.
final class ParallelTests: XCTestCase {

    func withThreads<T>(_ count: Int, _ body: () throws -> T) rethrows -> T {
        let saved = Parallel.threads
        Parallel.threads = count
        defer { Parallel.threads = saved }
        return try body()
    }

    /// Counts how often each item of 0..<total is visited by one forChunks call.
    func visits(_ total: Int) -> [Int] {
        var counts = [Int](repeating: 0, count: total)
        counts.withUnsafeMutableBufferPointer { p in
            let base = p.baseAddress!
            Parallel.forChunks(total) { _, range in
                for i in range { base[i] += 1 }
            }
        }
        return counts
    }

    func testEveryItemOnceForManyCallsAndThreadCounts() {
        for threads in [2, 3, 4] {
            withThreads(threads) {
                for call in 0..<3000 {
                    let total = 1 + call % 37
                    XCTAssertEqual(visits(total), [Int](repeating: 1, count: total), "threads \(threads), total \(total)")
                }
            }
        }
    }

    func testWorkersThatFellAsleepWakeUp() {
        withThreads(2) {
            for _ in 0..<5 {
                usleep(5_000)   // longer than the pool's spin
                XCTAssertEqual(visits(100), [Int](repeating: 1, count: 100))
            }
        }
    }

    func testWorkerIndicesMatchTheirChunks() {
        withThreads(3) {
            var seen = [Range<Int>?](repeating: nil, count: 3)
            seen.withUnsafeMutableBufferPointer { p in
                let base = p.baseAddress!
                Parallel.forChunks(10) { worker, range in base[worker] = range }
            }
            XCTAssertEqual(seen, [0..<4, 4..<7, 7..<10])
        }
    }

    func testNestedAndConcurrentCallsComplete() {
        withThreads(2) {
            // Nested: a chunk's body splits its own work again.
            var nested = [Int](repeating: 0, count: 64)
            nested.withUnsafeMutableBufferPointer { p in
                let base = p.baseAddress!
                Parallel.forChunks(4) { _, outer in
                    for o in outer {
                        Parallel.forChunks(16) { _, inner in for i in inner { base[o * 16 + i] += 1 } }
                    }
                }
            }
            XCTAssertEqual(nested, [Int](repeating: 1, count: 64))
            // Several threads using the pool at once.
            let results = UnsafeMutableBufferPointer<Bool>.allocate(capacity: 4)
            defer { results.deallocate() }
            DispatchQueue.concurrentPerform(iterations: 4) { caller in
                var ok = true
                for call in 0..<300 { ok = ok && visits(1 + (call + caller) % 23) == [Int](repeating: 1, count: 1 + (call + caller) % 23) }
                results[caller] = ok
            }
            XCTAssertEqual(Array(results), [true, true, true, true])
        }
    }
}

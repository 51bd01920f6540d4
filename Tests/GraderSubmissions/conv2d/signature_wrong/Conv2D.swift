// Grader submission `signature_wrong`: conv2d without its `stride` parameter (a wrong signature), and the
// optional conv2dGroups left out: the headline must name conv2d, not the optional function.
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

func conv2d(_ input: Tensor, _ weight: Tensor, bias: Tensor?, padding: Int) -> Tensor {
    correctConv2d(input, weight, bias: bias, stride: 1, padding: padding)
}

import CapasExercise

// Pooling sin relleno, ventanas cuadradas de `size`×`size` que avanzan
// `stride` posiciones. Entrada N×C×H×W; salida N×C×HO×WO con
// HO = ⌊(H − size)/stride⌋ + 1 y WO = ⌊(W − size)/stride⌋ + 1.
//
// Pooling without padding, square `size`×`size` windows that move `stride`
// positions. Input N×C×H×W; output N×C×HO×WO with
// HO = ⌊(H − size)/stride⌋ + 1 and WO = ⌊(W − size)/stride⌋ + 1.

/// Max pooling hacia delante: el máximo de cada ventana.
/// Max pooling forward: the maximum of each window.
func maxPool2d(_ input: Tensor, size: Int, stride: Int) -> Tensor {
    // BEGIN SOLUTION
    let n = input.shape[0], c = input.shape[1], h = input.shape[2], w = input.shape[3]
    let ho = (h - size) / stride + 1, wo = (w - size) / stride + 1
    var output = Tensor(shape: [n, c, ho, wo], repeating: 0)
    for sample in 0..<n {
        for channel in 0..<c {
            for i in 0..<ho {
                for j in 0..<wo {
                    var best = -Float.infinity
                    for u in 0..<size {
                        for v in 0..<size {
                            best = max(best, input[sample, channel, i * stride + u, j * stride + v])
                        }
                    }
                    output[sample, channel, i, j] = best
                }
            }
        }
    }
    return output
    // END SOLUTION
}

/// Max pooling hacia atrás: el gradiente de la entrada (N×C×H×W). Cada
/// valor de `gradOutput` va al elemento máximo de su ventana; si las
/// ventanas se solapan, un elemento suma lo que le llega de cada una.
///
/// Max pooling backward: the gradient of the input (N×C×H×W). Each value of
/// `gradOutput` goes to the maximum element of its window; when windows
/// overlap, an element adds up what it receives from each.
func maxPool2dBackward(_ input: Tensor, _ gradOutput: Tensor, size: Int, stride: Int) -> Tensor {
    // BEGIN SOLUTION
    let n = input.shape[0], c = input.shape[1]
    let ho = gradOutput.shape[2], wo = gradOutput.shape[3]
    var gradInput = Tensor(shape: input.shape, repeating: 0)
    for sample in 0..<n {
        for channel in 0..<c {
            for i in 0..<ho {
                for j in 0..<wo {
                    var best = -Float.infinity, row = 0, column = 0
                    for u in 0..<size {
                        for v in 0..<size where input[sample, channel, i * stride + u, j * stride + v] > best {
                            best = input[sample, channel, i * stride + u, j * stride + v]
                            row = i * stride + u
                            column = j * stride + v
                        }
                    }
                    gradInput[sample, channel, row, column] += gradOutput[sample, channel, i, j]
                }
            }
        }
    }
    return gradInput
    // END SOLUTION
}

/// Average pooling hacia delante: la media de cada ventana.
/// Average pooling forward: the mean of each window.
func avgPool2d(_ input: Tensor, size: Int, stride: Int) -> Tensor {
    // BEGIN SOLUTION
    let n = input.shape[0], c = input.shape[1], h = input.shape[2], w = input.shape[3]
    let ho = (h - size) / stride + 1, wo = (w - size) / stride + 1
    var output = Tensor(shape: [n, c, ho, wo], repeating: 0)
    for sample in 0..<n {
        for channel in 0..<c {
            for i in 0..<ho {
                for j in 0..<wo {
                    var sum: Float = 0
                    for u in 0..<size {
                        for v in 0..<size { sum += input[sample, channel, i * stride + u, j * stride + v] }
                    }
                    output[sample, channel, i, j] = sum / Float(size * size)
                }
            }
        }
    }
    return output
    // END SOLUTION
}

/// Average pooling hacia atrás: cada elemento de una ventana recibe
/// gradOutput/(size·size) de esa ventana (y suma lo de todas las suyas).
///
/// Average pooling backward: each element of a window receives
/// gradOutput/(size·size) from that window (and adds up all of its windows).
func avgPool2dBackward(_ input: Tensor, _ gradOutput: Tensor, size: Int, stride: Int) -> Tensor {
    // BEGIN SOLUTION
    let n = input.shape[0], c = input.shape[1]
    let ho = gradOutput.shape[2], wo = gradOutput.shape[3]
    var gradInput = Tensor(shape: input.shape, repeating: 0)
    let share = 1 / Float(size * size)
    for sample in 0..<n {
        for channel in 0..<c {
            for i in 0..<ho {
                for j in 0..<wo {
                    let g = gradOutput[sample, channel, i, j] * share
                    for u in 0..<size {
                        for v in 0..<size { gradInput[sample, channel, i * stride + u, j * stride + v] += g }
                    }
                }
            }
        }
    }
    return gradInput
    // END SOLUTION
}

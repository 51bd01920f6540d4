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
    notImplemented("maxPool2d")
}

/// Max pooling hacia atrás: el gradiente de la entrada (N×C×H×W). Cada
/// valor de `gradOutput` va al elemento máximo de su ventana; si las
/// ventanas se solapan, un elemento suma lo que le llega de cada una.
///
/// Max pooling backward: the gradient of the input (N×C×H×W). Each value of
/// `gradOutput` goes to the maximum element of its window; when windows
/// overlap, an element adds up what it receives from each.
func maxPool2dBackward(_ input: Tensor, _ gradOutput: Tensor, size: Int, stride: Int) -> Tensor {
    notImplemented("maxPool2dBackward")
}

/// Average pooling hacia delante: la media de cada ventana.
/// Average pooling forward: the mean of each window.
func avgPool2d(_ input: Tensor, size: Int, stride: Int) -> Tensor {
    notImplemented("avgPool2d")
}

/// Average pooling hacia atrás: cada elemento de una ventana recibe
/// gradOutput/(size·size) de esa ventana (y suma lo de todas las suyas).
///
/// Average pooling backward: each element of a window receives
/// gradOutput/(size·size) from that window (and adds up all of its windows).
func avgPool2dBackward(_ input: Tensor, _ gradOutput: Tensor, size: Int, stride: Int) -> Tensor {
    notImplemented("avgPool2dBackward")
}

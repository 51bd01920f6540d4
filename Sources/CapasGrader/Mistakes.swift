/// The course's catalogue of named mistakes: what a wrong result that
/// matches a known wrong method tells the learner.
public enum Mistakes {
    public static let catalogue: [String: Bilingual] = [
        "flipped_kernel": Bilingual(
            es: "el resultado es el de una convolución verdadera (núcleo girado 180°); las redes usan correlación cruzada: no gires el núcleo",
            en: "this is a true convolution (kernel rotated 180°); networks use cross-correlation: do not flip the kernel"),
        "padding_ignored": Bilingual(
            es: "el resultado corresponde a no aplicar el relleno (padding): rodee la entrada con p ceros por lado",
            en: "this is the result without the padding: surround the input with p zeros on each side"),
        "stride_ignored": Bilingual(
            es: "el resultado corresponde a paso (stride) 1: la ventana debe avanzar s posiciones",
            en: "this is the result with stride 1: the window must move s positions at a time"),
        "bias_missing": Bilingual(
            es: "falta sumar el sesgo (bias) de cada filtro", en: "the bias of each filter is missing"),
        "transposed": Bilingual(
            es: "el resultado está transpuesto: filas y columnas intercambiadas", en: "the output is transposed: rows and columns swapped"),
        "ceil_not_floor": Bilingual(
            es: "se redondeó hacia arriba: el tamaño de salida es ⌊(n + 2p − f)/s⌋ + 1, redondeando hacia abajo",
            en: "rounded up: the output size is ⌊(n + 2p − f)/s⌋ + 1, rounded down"),
        "not_floored": Bilingual(
            es: "falta redondear hacia abajo: un tamaño es un número entero, ⌊(n + 2p − f)/s⌋ + 1",
            en: "not rounded down: a size is a whole number, ⌊(n + 2p − f)/s⌋ + 1"),
        "plus_one_missing": Bilingual(
            es: "falta el + 1 de la fórmula (n + 2p − f)/s + 1: la primera posición de la ventana también cuenta",
            en: "the + 1 of (n + 2p − f)/s + 1 is missing: the window's first position counts too"),
        "softmax_no_max": Bilingual(
            es: "softmax sin restar el máximo desborda con entradas grandes: calcule exp(z − max z)",
            en: "softmax without subtracting the maximum overflows on large inputs: compute exp(z − max z)"),
        "log10": Bilingual(
            es: "se usó logaritmo en base 10; la entropía cruzada usa el logaritmo natural (ln), como PyTorch y Keras",
            en: "base-10 logarithm used; cross-entropy uses the natural log (ln), as PyTorch and Keras do"),
        "sum_not_mean": Bilingual(
            es: "se sumó sobre el lote; la pérdida es el promedio sobre los ejemplos", en: "summed over the batch; the loss is the mean over the examples"),
        "relu_grad_at_zero": Bilingual(
            es: "gradiente de ReLU en 0 incorrecto: se toma 0 (como PyTorch)", en: "wrong ReLU gradient at 0: it is taken as 0 (as in PyTorch)"),
        "maxpool_grad_all": Bilingual(
            es: "el gradiente del max pooling va solo al elemento máximo de cada ventana, no a todos",
            en: "max pooling's gradient goes only to the maximum of each window, not to every element"),
        "bias_forgotten_in_count": Bilingual(
            es: "faltan los sesgos: cada filtro (o neurona) tiene uno, (f·f·c + 1)·k",
            en: "the biases are missing: each filter (or neuron) has one, (f·f·c + 1)·k"),
        "channels_forgotten": Bilingual(
            es: "faltan los canales de entrada: cada filtro tiene f·f·c pesos, uno por canal",
            en: "the input channels are missing: each filter has f·f·c weights, one per channel"),
        "calculator_used": Bilingual(
            es: "esta respuesta debe calcularse a mano", en: "this answer must be worked out by hand"),
    ]

    public static func feedback(_ id: String) -> Bilingual {
        catalogue[id] ?? Bilingual(es: "error reconocido: \(id)", en: "recognised mistake: \(id)")
    }
}

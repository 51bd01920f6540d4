// MobileNetV2 as in torchvision: inverted residual blocks with depthwise
// convolutions (groups = channels) and relu6.

extension Presets {
    /// torchvision's mobilenet_v2: 3,504,872 parameters, 300,809,384 multiply-adds (torchinfo).
    public static let mobilenetV2 = """
    # MobileNetV2 (Sandler, Howard, Zhu, Zhmoginov and Chen, 2018) as in
    # torchvision. An inverted residual block widens the channels t times with
    # a 1x1 convolution, filters each channel on its own with a 3x3 depthwise
    # convolution (groups = channels; `depthwise 3x3` writes the same layer),
    # and narrows them again with a 1x1 convolution without activation (the
    # "linear bottleneck"). The shortcut joins the narrow ends, when the block
    # keeps the size and the channels. A depthwise 3x3 on c channels costs
    # 9·c multiply-adds per position instead of 9·c·c.
    input 224x224x3

    # stem: 224x224x3 → 112x112x32
    conv 32 3x3 stride=2 pad=1 bias=no; batchnorm; relu6

    # block 1: 112x112x32 → 112x112x16, no expansion (t = 1); no shortcut: 32 ≠ 16 channels
    conv 32 3x3 pad=1 groups=32 bias=no; batchnorm; relu6    # depthwise: one 3x3 filter per channel
    conv 16 1x1 bias=no; batchnorm    # project: linear bottleneck, no activation

    # block 2: 112x112x16 → 56x56x24, expansion 6; no shortcut: stride 2
    conv 96 1x1 bias=no; batchnorm; relu6    # expand ×6: 16 → 96 channels
    conv 96 3x3 stride=2 pad=1 groups=96 bias=no; batchnorm; relu6    # depthwise: one 3x3 filter per channel
    conv 24 1x1 bias=no; batchnorm    # project: linear bottleneck, no activation

    # block 3: 56x56x24 → 56x56x24, expansion 6, residual
    residual {
      conv 144 1x1 bias=no; batchnorm; relu6
      conv 144 3x3 pad=1 groups=144 bias=no; batchnorm; relu6
      conv 24 1x1 bias=no; batchnorm
    }

    # block 4: 56x56x24 → 28x28x32, expansion 6; no shortcut: stride 2
    conv 144 1x1 bias=no; batchnorm; relu6
    conv 144 3x3 stride=2 pad=1 groups=144 bias=no; batchnorm; relu6
    conv 32 1x1 bias=no; batchnorm

    # block 5: 28x28x32 → 28x28x32, expansion 6, residual
    residual {
      conv 192 1x1 bias=no; batchnorm; relu6
      conv 192 3x3 pad=1 groups=192 bias=no; batchnorm; relu6
      conv 32 1x1 bias=no; batchnorm
    }

    # block 6: 28x28x32 → 28x28x32, expansion 6, residual
    residual {
      conv 192 1x1 bias=no; batchnorm; relu6
      conv 192 3x3 pad=1 groups=192 bias=no; batchnorm; relu6
      conv 32 1x1 bias=no; batchnorm
    }

    # block 7: 28x28x32 → 14x14x64, expansion 6; no shortcut: stride 2
    conv 192 1x1 bias=no; batchnorm; relu6
    conv 192 3x3 stride=2 pad=1 groups=192 bias=no; batchnorm; relu6
    conv 64 1x1 bias=no; batchnorm

    # block 8: 14x14x64 → 14x14x64, expansion 6, residual
    residual {
      conv 384 1x1 bias=no; batchnorm; relu6
      conv 384 3x3 pad=1 groups=384 bias=no; batchnorm; relu6
      conv 64 1x1 bias=no; batchnorm
    }

    # block 9: 14x14x64 → 14x14x64, expansion 6, residual
    residual {
      conv 384 1x1 bias=no; batchnorm; relu6
      conv 384 3x3 pad=1 groups=384 bias=no; batchnorm; relu6
      conv 64 1x1 bias=no; batchnorm
    }

    # block 10: 14x14x64 → 14x14x64, expansion 6, residual
    residual {
      conv 384 1x1 bias=no; batchnorm; relu6
      conv 384 3x3 pad=1 groups=384 bias=no; batchnorm; relu6
      conv 64 1x1 bias=no; batchnorm
    }

    # block 11: 14x14x64 → 14x14x96, expansion 6; no shortcut: 64 ≠ 96 channels
    conv 384 1x1 bias=no; batchnorm; relu6
    conv 384 3x3 pad=1 groups=384 bias=no; batchnorm; relu6
    conv 96 1x1 bias=no; batchnorm

    # block 12: 14x14x96 → 14x14x96, expansion 6, residual
    residual {
      conv 576 1x1 bias=no; batchnorm; relu6
      conv 576 3x3 pad=1 groups=576 bias=no; batchnorm; relu6
      conv 96 1x1 bias=no; batchnorm
    }

    # block 13: 14x14x96 → 14x14x96, expansion 6, residual
    residual {
      conv 576 1x1 bias=no; batchnorm; relu6
      conv 576 3x3 pad=1 groups=576 bias=no; batchnorm; relu6
      conv 96 1x1 bias=no; batchnorm
    }

    # block 14: 14x14x96 → 7x7x160, expansion 6; no shortcut: stride 2
    conv 576 1x1 bias=no; batchnorm; relu6
    conv 576 3x3 stride=2 pad=1 groups=576 bias=no; batchnorm; relu6
    conv 160 1x1 bias=no; batchnorm

    # block 15: 7x7x160 → 7x7x160, expansion 6, residual
    residual {
      conv 960 1x1 bias=no; batchnorm; relu6
      conv 960 3x3 pad=1 groups=960 bias=no; batchnorm; relu6
      conv 160 1x1 bias=no; batchnorm
    }

    # block 16: 7x7x160 → 7x7x160, expansion 6, residual
    residual {
      conv 960 1x1 bias=no; batchnorm; relu6
      conv 960 3x3 pad=1 groups=960 bias=no; batchnorm; relu6
      conv 160 1x1 bias=no; batchnorm
    }

    # block 17: 7x7x160 → 7x7x320, expansion 6; no shortcut: 160 ≠ 320 channels
    conv 960 1x1 bias=no; batchnorm; relu6
    conv 960 3x3 pad=1 groups=960 bias=no; batchnorm; relu6
    conv 320 1x1 bias=no; batchnorm
    # last 1x1 convolution: 7x7x320 → 7x7x1280
    conv 1280 1x1 bias=no; batchnorm; relu6

    # head (torchvision pools with the function adaptive_avg_pool2d, not a layer)
    globalavgpool                  # 7x7x1280 → 1280
    dropout 0.2
    dense 1000                     # (1280 + 1)·1000 = 1,281,000 parameters

    """
}

"""The zoo: real models of torchvision, timm, transformers, ultralytics, MONAI and
segmentation_models_pytorch, each built without weights by a zero-argument function of this
module, so ``symconv network --torch tests/zoo_models.py:<function>`` builds the same model the
ground truth (``tests/zoo_truth/``, made by ``tests/zoo_truth.py``) was taken from.

Every model's forward takes one tensor of shape ``(1, C, *spatial)`` (``ZooModel.channels``,
``ZooModel.rank`` spatial axes); models whose own forward takes something else (Hugging Face's
``pixel_values=`` / ``input_values=`` / ``input_features=`` and ``ModelOutput``) are wrapped in a
small module whose ``forward(x)`` calls them and returns the main tensor.

No weights are ever loaded (``pretrained=False``, ``weights=None``, configs instead of hub
names). Builders never pick a device: the caller builds under ``with torch.device("meta"):``
(or on the CPU).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from symconv.network.frontends.torch_frontend import import_torchvision

os.environ.setdefault("YOLO_OFFLINE", "1")  # ultralytics: no update checks, no downloads
os.environ.setdefault("YOLO_VERBOSE", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def torchvision_ready() -> None:
    """torchvision importable (timm and smp import it too), with the front-end's workaround for
    the CUDA wheel whose C extension does not load next to the CPU torch."""
    import_torchvision()




@dataclass(frozen=True)
class ZooModel:
    name: str
    build: Callable[[], nn.Module]  # a function of this module
    channels: int
    rank: int  # spatial axes: 1 (NCL), 2 (NCHW) or 3 (NCDHW)
    library: str  # the distribution that defines the model
    family: str
    device: str = "meta"  # "cpu": its forward cannot run on meta at any size (see zoo_oracle)
    extra_sizes: tuple[tuple[int, ...], ...] = ()  # beyond the rank's plan

    @property
    def layout(self) -> str:
        return {1: "NCL", 2: "NCHW", 3: "NCDHW"}[self.rank]

    @property
    def target(self) -> str:
        return f"tests/zoo_models.py:{self.build.__name__}"


# ---------------------------------------------------------------- torchvision


def _tv(name: str, **kwargs: Any) -> nn.Module:
    torchvision_ready()
    import torchvision
    model: nn.Module = torchvision.models.get_model(name, weights=None, **kwargs)
    return model


def tv_resnet50() -> nn.Module:
    return _tv("resnet50")


def tv_vit_b_16() -> nn.Module:
    return _tv("vit_b_16")


def tv_shufflenet_v2_x1_0() -> nn.Module:
    return _tv("shufflenet_v2_x1_0")


def tv_mnasnet1_0() -> nn.Module:
    return _tv("mnasnet1_0")


def tv_efficientnet_v2_s() -> nn.Module:
    return _tv("efficientnet_v2_s")


def tv_swin_t() -> nn.Module:
    return _tv("swin_t")


def tv_convnext_tiny() -> nn.Module:
    return _tv("convnext_tiny")


def tv_maxvit_t() -> nn.Module:
    return _tv("maxvit_t")


def tv_googlenet() -> nn.Module:
    return _tv("googlenet", aux_logits=False, init_weights=False)


def tv_inception_v3() -> nn.Module:
    return _tv("inception_v3", aux_logits=False, init_weights=False)


def tv_densenet121() -> nn.Module:
    return _tv("densenet121")


def tv_squeezenet1_1() -> nn.Module:
    return _tv("squeezenet1_1")


def tv_fcn_resnet50() -> nn.Module:
    return _tv("fcn_resnet50", weights_backbone=None)


def tv_deeplabv3_mobilenet_v3_large() -> nn.Module:
    return _tv("deeplabv3_mobilenet_v3_large", weights_backbone=None)


def tv_lraspp_mobilenet_v3_large() -> nn.Module:
    return _tv("lraspp_mobilenet_v3_large", weights_backbone=None)


def tv_r3d_18() -> nn.Module:
    return _tv("r3d_18")


def tv_r2plus1d_18() -> nn.Module:
    return _tv("r2plus1d_18")


def tv_mc3_18() -> nn.Module:
    return _tv("mc3_18")


def tv_s3d() -> nn.Module:
    return _tv("s3d")


# ---------------------------------------------------------------- timm


def _timm(name: str, **kwargs: Any) -> nn.Module:
    torchvision_ready()
    import timm
    model: nn.Module = timm.create_model(name, pretrained=False, **kwargs)
    return model


def timm_vit_tiny_patch16_224() -> nn.Module:
    return _timm("vit_tiny_patch16_224")


def timm_vit_tiny_dynamic() -> nn.Module:
    """ViT whose patch embedding pads and whose position table is resampled: any size."""
    return _timm("vit_tiny_patch16_224", dynamic_img_size=True, dynamic_img_pad=True)


def timm_ghostnet_100() -> nn.Module:
    return _timm("ghostnet_100")


def timm_rexnet_100() -> nn.Module:
    return _timm("rexnet_100")


def timm_tinynet_a() -> nn.Module:
    return _timm("tinynet_a")


def timm_fastvit_t8() -> nn.Module:
    return _timm("fastvit_t8")


def timm_mnasnet_100() -> nn.Module:
    return _timm("mnasnet_100")


def timm_ese_vovnet19b_dw() -> nn.Module:
    return _timm("ese_vovnet19b_dw")


def timm_res2net50_26w_4s() -> nn.Module:
    return _timm("res2net50_26w_4s")


def timm_cspdarknet53() -> nn.Module:
    return _timm("cspdarknet53")


def timm_swin_tiny() -> nn.Module:
    return _timm("swin_tiny_patch4_window7_224")


def timm_convnext_atto() -> nn.Module:
    return _timm("convnext_atto")


def timm_edgenext_xx_small() -> nn.Module:
    return _timm("edgenext_xx_small")


def timm_efficientnetv2_b0() -> nn.Module:
    return _timm("tf_efficientnetv2_b0")


def timm_levit_128s() -> nn.Module:
    return _timm("levit_128s")


def timm_maxvit_tiny() -> nn.Module:
    return _timm("maxvit_tiny_tf_224")


def timm_pit_ti_224() -> nn.Module:
    return _timm("pit_ti_224")


def timm_mixnet_s() -> nn.Module:
    return _timm("mixnet_s")


def timm_mobilevit_xxs() -> nn.Module:
    return _timm("mobilevit_xxs")


def timm_nfnet_l0() -> nn.Module:
    return _timm("nfnet_l0")


def timm_dpn68() -> nn.Module:
    return _timm("dpn68")


def timm_coatnet_0() -> nn.Module:
    return _timm("coatnet_0_rw_224")


def timm_hrnet_w18_small() -> nn.Module:
    return _timm("hrnet_w18_small")


def timm_efficientformer_l1() -> nn.Module:
    return _timm("efficientformer_l1")


def timm_vit_small_r26_s32() -> nn.Module:
    """A hybrid: a ResNet-26 stem feeding a ViT."""
    return _timm("vit_small_r26_s32_224")


def timm_xception41() -> nn.Module:
    return _timm("xception41")


# ---------------------------------------------------------------- transformers


class _HFImage(nn.Module):
    """``model(pixel_values=x)``'s one tensor (``attr`` of its ModelOutput)."""

    def __init__(self, model: nn.Module, attr: str) -> None:
        super().__init__()
        self.model, self.attr = model, attr

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = getattr(self.model(pixel_values=x), self.attr)
        return out


class _HFAudio(nn.Module):
    """Wav2Vec2's ``input_values`` is ``(batch, samples)``: the zoo's ``(1, 1, L)`` less its
    channel axis."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.model(input_values=x[:, 0]).last_hidden_state
        return out


class _HFWhisper(nn.Module):
    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.model(input_features=x).last_hidden_state
        return out


def hf_segformer() -> nn.Module:
    torchvision_ready()
    from transformers import SegformerConfig, SegformerForSemanticSegmentation
    return _HFImage(SegformerForSemanticSegmentation(SegformerConfig(num_labels=19)), "logits")


def hf_convnext() -> nn.Module:
    torchvision_ready()
    from transformers import ConvNextConfig, ConvNextModel
    config = ConvNextConfig(depths=[1, 1, 2, 1], hidden_sizes=[32, 64, 128, 256])
    return _HFImage(ConvNextModel(config), "last_hidden_state")


def hf_wav2vec2() -> nn.Module:
    torchvision_ready()
    from transformers import Wav2Vec2Config, Wav2Vec2Model
    config = Wav2Vec2Config(num_hidden_layers=2, hidden_size=64, num_attention_heads=2,
                            intermediate_size=128)
    return _HFAudio(Wav2Vec2Model(config))


def hf_whisper_encoder() -> nn.Module:
    torchvision_ready()
    from transformers import WhisperConfig
    from transformers.models.whisper.modeling_whisper import WhisperEncoder
    config = WhisperConfig(encoder_layers=2, d_model=64, encoder_attention_heads=2,
                           encoder_ffn_dim=128, num_mel_bins=80)
    return _HFWhisper(WhisperEncoder(config))


# ---------------------------------------------------------------- ultralytics


def _yolo(cfg: str) -> nn.Module:
    torchvision_ready()
    from ultralytics.nn.tasks import DetectionModel
    model: nn.Module = DetectionModel(cfg=cfg, ch=3, verbose=False)
    return model


def yolo_v8n() -> nn.Module:
    return _yolo("yolov8n.yaml")


def yolo_11n() -> nn.Module:
    return _yolo("yolo11n.yaml")


# ---------------------------------------------------------------- MONAI


def monai_unet_2d() -> nn.Module:
    from monai.networks.nets import UNet
    return UNet(spatial_dims=2, in_channels=1, out_channels=2, channels=(16, 32, 64, 128),
                strides=(2, 2, 2), num_res_units=2)


def monai_unet_3d() -> nn.Module:
    from monai.networks.nets import UNet
    return UNet(spatial_dims=3, in_channels=1, out_channels=2, channels=(8, 16, 32, 64),
                strides=(2, 2, 2), num_res_units=1)


def monai_segresnet_2d() -> nn.Module:
    from monai.networks.nets import SegResNet
    return SegResNet(spatial_dims=2, in_channels=1, out_channels=2, init_filters=8)


def monai_segresnet_3d() -> nn.Module:
    from monai.networks.nets import SegResNet
    return SegResNet(spatial_dims=3, in_channels=1, out_channels=2, init_filters=8)


def monai_swinunetr_2d() -> nn.Module:
    from monai.networks.nets import SwinUNETR
    return SwinUNETR(in_channels=1, out_channels=2, feature_size=12, spatial_dims=2)


def monai_swinunetr_3d() -> nn.Module:
    from monai.networks.nets import SwinUNETR
    return SwinUNETR(in_channels=1, out_channels=2, feature_size=12, spatial_dims=3)


def monai_vnet() -> nn.Module:
    from monai.networks.nets import VNet
    return VNet(spatial_dims=3, in_channels=1, out_channels=2)


def monai_basicunet_2d() -> nn.Module:
    from monai.networks.nets import BasicUNet
    return BasicUNet(spatial_dims=2, in_channels=1, out_channels=2)


def monai_attentionunet_2d() -> nn.Module:
    from monai.networks.nets import AttentionUnet
    return AttentionUnet(spatial_dims=2, in_channels=1, out_channels=2,
                         channels=(16, 32, 64, 128), strides=(2, 2, 2))


# ---------------------------------------------------------------- segmentation_models_pytorch


def _smp(arch: str, encoder: str, **kwargs: Any) -> nn.Module:
    torchvision_ready()
    import segmentation_models_pytorch as smp
    model: nn.Module = smp.create_model(arch, encoder_name=encoder, encoder_weights=None,
                                        in_channels=3, classes=2, **kwargs)
    return model


def smp_unet_resnet18() -> nn.Module:
    return _smp("Unet", "resnet18")


def smp_fpn_resnet34() -> nn.Module:
    return _smp("FPN", "resnet34")


def smp_deeplabv3plus_resnet18() -> nn.Module:
    return _smp("DeepLabV3Plus", "resnet18")


def smp_pspnet_resnet18() -> nn.Module:
    return _smp("PSPNet", "resnet18")


def smp_linknet_resnet18() -> nn.Module:
    return _smp("Linknet", "resnet18")


def smp_unetplusplus_resnet18() -> nn.Module:
    return _smp("UnetPlusPlus", "resnet18")


def smp_manet_resnet18() -> nn.Module:
    return _smp("MAnet", "resnet18")


def smp_pan_resnet18() -> nn.Module:
    return _smp("PAN", "resnet18")


def smp_unet_mobilenet_v2() -> nn.Module:
    return _smp("Unet", "mobilenet_v2")


def smp_fpn_efficientnet_b0() -> nn.Module:
    return _smp("FPN", "efficientnet-b0")


def smp_upernet_resnet18() -> nn.Module:
    return _smp("UPerNet", "resnet18")


def smp_segformer_mit_b0() -> nn.Module:
    return _smp("Segformer", "mit_b0")


# ---------------------------------------------------------------- the registry

TV, TIMM, HF, YOLO, MONAI, SMP = ("torchvision", "timm", "transformers", "ultralytics", "monai",
                                  "segmentation-models-pytorch")

MODELS: tuple[ZooModel, ...] = (
    ZooModel("tv_resnet50", tv_resnet50, 3, 2, TV, "classification"),
    ZooModel("tv_vit_b_16", tv_vit_b_16, 3, 2, TV, "classification"),
    ZooModel("tv_shufflenet_v2_x1_0", tv_shufflenet_v2_x1_0, 3, 2, TV, "classification"),
    ZooModel("tv_mnasnet1_0", tv_mnasnet1_0, 3, 2, TV, "classification"),
    ZooModel("tv_efficientnet_v2_s", tv_efficientnet_v2_s, 3, 2, TV, "classification"),
    ZooModel("tv_swin_t", tv_swin_t, 3, 2, TV, "classification"),
    ZooModel("tv_convnext_tiny", tv_convnext_tiny, 3, 2, TV, "classification"),
    ZooModel("tv_maxvit_t", tv_maxvit_t, 3, 2, TV, "classification"),
    ZooModel("tv_googlenet", tv_googlenet, 3, 2, TV, "classification"),
    ZooModel("tv_inception_v3", tv_inception_v3, 3, 2, TV, "classification"),
    ZooModel("tv_densenet121", tv_densenet121, 3, 2, TV, "classification"),
    ZooModel("tv_squeezenet1_1", tv_squeezenet1_1, 3, 2, TV, "classification"),
    ZooModel("tv_fcn_resnet50", tv_fcn_resnet50, 3, 2, TV, "segmentation"),
    ZooModel("tv_deeplabv3_mobilenet_v3_large", tv_deeplabv3_mobilenet_v3_large, 3, 2, TV,
             "segmentation"),
    ZooModel("tv_lraspp_mobilenet_v3_large", tv_lraspp_mobilenet_v3_large, 3, 2, TV,
             "segmentation"),
    ZooModel("tv_r3d_18", tv_r3d_18, 3, 3, TV, "video"),
    ZooModel("tv_r2plus1d_18", tv_r2plus1d_18, 3, 3, TV, "video"),
    ZooModel("tv_mc3_18", tv_mc3_18, 3, 3, TV, "video"),
    ZooModel("tv_s3d", tv_s3d, 3, 3, TV, "video"),
    ZooModel("timm_vit_tiny_patch16_224", timm_vit_tiny_patch16_224, 3, 2, TIMM, "vit"),
    ZooModel("timm_vit_tiny_dynamic", timm_vit_tiny_dynamic, 3, 2, TIMM, "vit"),
    ZooModel("timm_ghostnet_100", timm_ghostnet_100, 3, 2, TIMM, "cnn"),
    ZooModel("timm_rexnet_100", timm_rexnet_100, 3, 2, TIMM, "cnn"),
    ZooModel("timm_tinynet_a", timm_tinynet_a, 3, 2, TIMM, "cnn"),
    ZooModel("timm_fastvit_t8", timm_fastvit_t8, 3, 2, TIMM, "hybrid"),
    ZooModel("timm_mnasnet_100", timm_mnasnet_100, 3, 2, TIMM, "cnn"),
    ZooModel("timm_ese_vovnet19b_dw", timm_ese_vovnet19b_dw, 3, 2, TIMM, "cnn"),
    ZooModel("timm_res2net50_26w_4s", timm_res2net50_26w_4s, 3, 2, TIMM, "cnn"),
    ZooModel("timm_cspdarknet53", timm_cspdarknet53, 3, 2, TIMM, "cnn"),
    ZooModel("timm_swin_tiny", timm_swin_tiny, 3, 2, TIMM, "vit"),
    ZooModel("timm_convnext_atto", timm_convnext_atto, 3, 2, TIMM, "cnn"),
    ZooModel("timm_edgenext_xx_small", timm_edgenext_xx_small, 3, 2, TIMM, "hybrid"),
    ZooModel("timm_efficientnetv2_b0", timm_efficientnetv2_b0, 3, 2, TIMM, "cnn"),
    ZooModel("timm_levit_128s", timm_levit_128s, 3, 2, TIMM, "hybrid"),
    ZooModel("timm_maxvit_tiny", timm_maxvit_tiny, 3, 2, TIMM, "hybrid"),
    ZooModel("timm_pit_ti_224", timm_pit_ti_224, 3, 2, TIMM, "vit"),
    ZooModel("timm_mixnet_s", timm_mixnet_s, 3, 2, TIMM, "cnn"),
    ZooModel("timm_mobilevit_xxs", timm_mobilevit_xxs, 3, 2, TIMM, "hybrid"),
    ZooModel("timm_nfnet_l0", timm_nfnet_l0, 3, 2, TIMM, "cnn"),
    ZooModel("timm_dpn68", timm_dpn68, 3, 2, TIMM, "cnn"),
    ZooModel("timm_coatnet_0", timm_coatnet_0, 3, 2, TIMM, "hybrid"),
    ZooModel("timm_hrnet_w18_small", timm_hrnet_w18_small, 3, 2, TIMM, "cnn"),
    ZooModel("timm_efficientformer_l1", timm_efficientformer_l1, 3, 2, TIMM, "hybrid"),
    ZooModel("timm_vit_small_r26_s32", timm_vit_small_r26_s32, 3, 2, TIMM, "hybrid"),
    ZooModel("timm_xception41", timm_xception41, 3, 2, TIMM, "cnn"),
    ZooModel("hf_segformer", hf_segformer, 3, 2, HF, "segmentation"),
    ZooModel("hf_convnext", hf_convnext, 3, 2, HF, "classification"),
    ZooModel("hf_wav2vec2", hf_wav2vec2, 1, 1, HF, "audio"),
    ZooModel("hf_whisper_encoder", hf_whisper_encoder, 80, 1, HF, "audio",
             extra_sizes=((2999,), (3000,), (3001,))),
    ZooModel("yolo_v8n", yolo_v8n, 3, 2, YOLO, "detection", device="cpu"),
    ZooModel("yolo_11n", yolo_11n, 3, 2, YOLO, "detection", device="cpu"),
    ZooModel("monai_unet_2d", monai_unet_2d, 1, 2, MONAI, "segmentation"),
    ZooModel("monai_unet_3d", monai_unet_3d, 1, 3, MONAI, "segmentation"),
    ZooModel("monai_segresnet_2d", monai_segresnet_2d, 1, 2, MONAI, "segmentation"),
    ZooModel("monai_segresnet_3d", monai_segresnet_3d, 1, 3, MONAI, "segmentation"),
    ZooModel("monai_swinunetr_2d", monai_swinunetr_2d, 1, 2, MONAI, "segmentation"),
    ZooModel("monai_swinunetr_3d", monai_swinunetr_3d, 1, 3, MONAI, "segmentation"),
    ZooModel("monai_vnet", monai_vnet, 1, 3, MONAI, "segmentation"),
    ZooModel("monai_basicunet_2d", monai_basicunet_2d, 1, 2, MONAI, "segmentation"),
    ZooModel("monai_attentionunet_2d", monai_attentionunet_2d, 1, 2, MONAI, "segmentation"),
    ZooModel("smp_unet_resnet18", smp_unet_resnet18, 3, 2, SMP, "segmentation"),
    ZooModel("smp_fpn_resnet34", smp_fpn_resnet34, 3, 2, SMP, "segmentation"),
    ZooModel("smp_deeplabv3plus_resnet18", smp_deeplabv3plus_resnet18, 3, 2, SMP,
             "segmentation"),
    ZooModel("smp_pspnet_resnet18", smp_pspnet_resnet18, 3, 2, SMP, "segmentation"),
    ZooModel("smp_linknet_resnet18", smp_linknet_resnet18, 3, 2, SMP, "segmentation"),
    ZooModel("smp_unetplusplus_resnet18", smp_unetplusplus_resnet18, 3, 2, SMP, "segmentation"),
    ZooModel("smp_manet_resnet18", smp_manet_resnet18, 3, 2, SMP, "segmentation"),
    ZooModel("smp_pan_resnet18", smp_pan_resnet18, 3, 2, SMP, "segmentation"),
    ZooModel("smp_unet_mobilenet_v2", smp_unet_mobilenet_v2, 3, 2, SMP, "segmentation"),
    ZooModel("smp_fpn_efficientnet_b0", smp_fpn_efficientnet_b0, 3, 2, SMP, "segmentation"),
    ZooModel("smp_upernet_resnet18", smp_upernet_resnet18, 3, 2, SMP, "segmentation"),
    ZooModel("smp_segformer_mit_b0", smp_segformer_mit_b0, 3, 2, SMP, "segmentation"),
)

BY_NAME: dict[str, ZooModel] = {m.name: m for m in MODELS}

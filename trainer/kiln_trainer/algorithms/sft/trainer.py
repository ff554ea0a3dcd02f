"""The SFT trainer: next-token cross-entropy on the completion tokens of packed or padded rows.

Runs data-parallel under Ray Train: every rank takes its share of each step's micro-batches, and
the loss is normalised over the step's target tokens on all ranks.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch
from torch import nn

from kiln_trainer.algorithms.lm import check_fits, load_lm, read_records
from kiln_trainer.configs.sft import SFTConfig
from kiln_trainer.data.batches import EpochPlan, split_train_val
from kiln_trainer.data.collate import Batch, pad_batch
from kiln_trainer.data.curriculum import Augment, StepSampler
from kiln_trainer.data.tokenize import Example, tokenize_sft
from kiln_trainer.errors import ConfigError
from kiln_trainer.losses import picked_loss, sft_example_losses, sft_targets
from kiln_trainer.models.gpt import GPT
from kiln_trainer.models.latency import decode_ms_per_token
from kiln_trainer.models.loader import KILN_GPT
from kiln_trainer.training.adversarial import adversarial_loss, input_embedding
from kiln_trainer.training.distributed import broadcast_from_main
from kiln_trainer.training.trainer import TRAIN, Metrics, Trainer, sharding, trainable_count


class SFTTrainer(Trainer[SFTConfig]):
    title = "SFT"
    unit = "tokens"
    supports_ddp = True

    def build_model(self) -> nn.Module:
        cfg = self.cfg
        self.loaded = load_lm(cfg.base_model, "base_model", seed=cfg.seed, architecture=cfg.architecture())
        check_fits(cfg.max_seq_len, self.loaded.max_seq_len)
        self.packing = cfg.packing and self.loaded.supports_packing()
        if cfg.packing and not self.packing:
            self.log(
                "this model ignores block-diagonal attention masks; training on padded batches instead of packed ones",
                "warning",
            )
        n_params = self.loaded.num_params()  # before LoRA adds its matrices
        module = self.with_lora(self.loaded.model, self.loaded.kind).to(self.device)
        self.log(
            f"loaded {cfg.base_model} ({self.loaded.kind}) with "
            f"{n_params:,} parameters, {trainable_count(module):,} trainable "
            f"({cfg.tuning}); device {self.device}, "
            f"{'fp32' if self.amp_dtype is None else f'{self.cfg.precision} autocast'}, "
            f"{'packed' if self.packing else 'padded'} batches, "
            f"{self.dist.world_size} rank(s), {torch.get_num_threads()} torch thread(s)"
        )
        return module

    def _tokenize(self, path: str, field: str) -> tuple[list[Example], dict[str, int]]:
        examples, stats = tokenize_sft(read_records(path, field, "sft"), self.loaded.tokenizer, self.cfg.max_seq_len)
        return examples, stats.as_dict()

    def load_data(self) -> None:
        cfg = self.cfg
        train_ex, stats = self._tokenize(cfg.train_path, "train_path")
        if cfg.val_path is not None:
            val_ex, _ = self._tokenize(cfg.val_path, "val_path")
        else:
            train_ex, val_ex = split_train_val(train_ex, cfg.val_fraction, cfg.seed)
        if not train_ex:
            raise ConfigError(
                "train_path",
                f"no trainable examples in {cfg.train_path} ({stats['dropped']} lost all labels to truncation)",
            )

        def plan(examples: list[Example], sharded: bool = True) -> EpochPlan:
            return EpochPlan(
                examples,
                self.packing,
                cfg.batch_size,
                cfg.max_seq_len,
                self.loaded.pad_token_id,
                cfg.seed,
                self.dist.rank if sharded else 0,
                self.dist.world_size if sharded else 1,
                cfg.grad_accum_steps,
            )

        self.plan = plan(train_ex)
        # Under FSDP each forward is a collective, so ranks must run as many validation batches
        # as each other: every rank runs them all (the means over ranks are unchanged) rather
        # than a share whose size can differ by one.
        self.val_batches = plan(val_ex, sharded=not self.fsdp).eval_batches() if val_ex else []
        self.train_examples: list[Example] = train_ex
        self.scored_at: int | None = None  # the step the self-paced curriculum last scored at
        self.sampler = self._sampler(train_ex)
        # Whether to validate must not depend on this rank's shard: with few validation rows one
        # rank can get no batch at all, and if it skipped the evaluation the others would wait
        # forever in its all-reduce. val_ex is the same on every rank.
        self.validate = bool(val_ex)
        self.steps_per_epoch = self.plan.steps_per_epoch
        self.log(
            f"data: {len(train_ex)} train / {len(val_ex)} validation examples "
            f"({stats['truncated']} truncated, {stats['dropped']} dropped); "
            f"{self.steps_per_epoch} steps per epoch, {self.total_steps} steps"
        )

    def _sampler(self, examples: list[Example]) -> StepSampler | None:
        """Batches under a curriculum or augmentation (None: the plain epoch plan)."""
        cfg = self.cfg
        augment = Augment(
            cfg.augment_mask_prob, cfg.augment_span_deletion_prob, cfg.augment_swap_prob, self.loaded.pad_token_id
        )
        if cfg.curriculum == "none" and not augment.active:
            return None
        scores: list[float] | None = None
        if cfg.curriculum == "length":
            scores = [float(len(e)) for e in examples]
        elif cfg.curriculum == "loss":
            scores = [0.0] * len(examples)  # scored at the first step, after any resume
        elif cfg.curriculum == "difficulty":
            missing = sum(e.difficulty is None for e in examples)
            if missing:
                raise ConfigError(
                    "curriculum", f"{missing} training records have no numeric 'difficulty' field to order by"
                )
            scores = [float(e.difficulty or 0.0) for e in examples]
        sampler = StepSampler(
            examples,
            scores,
            packing=self.packing,
            batch_size=cfg.batch_size,
            max_seq_len=cfg.max_seq_len,
            pad_id=self.loaded.pad_token_id,
            seed=cfg.seed,
            total_steps=self.total_steps,
            rank=self.dist.rank,
            world_size=self.dist.world_size,
            grad_accum=cfg.grad_accum_steps,
            start=cfg.curriculum_start,
            ramp=cfg.curriculum_ramp,
            pacing=cfg.curriculum_pacing,
            reverse=cfg.anti_curriculum,
            augment=augment,
        )
        if scores is not None:
            order = "hardest" if cfg.anti_curriculum else "easiest"
            self.log(
                f"curriculum by {cfg.curriculum}, {order} first: {cfg.curriculum_start:.0%} of the data admitted "
                f"at the start, all of it from {cfg.curriculum_ramp:.0%} of the run ({cfg.curriculum_pacing} pacing)"
            )
        if augment.active:
            self.log(
                f"augmentation of prompt tokens: mask {cfg.augment_mask_prob:g}, span deletion "
                f"{cfg.augment_span_deletion_prob:g}, adjacent swap {cfg.augment_swap_prob:g} (seed {cfg.seed})"
            )
        return sampler

    @torch.no_grad()
    def _example_losses(self, examples: Sequence[Example]) -> list[float]:
        """The current model's mean loss on each example (the self-paced curriculum's scores)."""
        self.module.eval()
        out: list[float] = []
        for i in range(0, len(examples), self.cfg.batch_size):
            batch = pad_batch(examples[i : i + self.cfg.batch_size], self.loaded.pad_token_id).to(self.device)
            with self.autocast():
                logits = self.logits(self.module, batch)
            out += sft_example_losses(logits, batch.labels).tolist()
        self.module.train()
        if self.fsdp:  # no backward follows to free the root's gathered weights
            sharding().reshard(self.module)
        return out

    def step_batches(self, step: int) -> Sequence[Batch]:
        if self.sampler is not None:
            cfg = self.cfg
            due = step % cfg.curriculum_rescore_every == 0 and step != self.scored_at
            if cfg.curriculum == "loss" and (self.scored_at is None or due):
                # Every rank scores all examples with identical weights, so the orders agree.
                self.sampler.rescore(self._example_losses(self.train_examples))
                self.scored_at = step
            return self.sampler.step_batches(step)
        return self.plan.step_batches(*divmod(step, self.steps_per_epoch))

    def has_validation(self) -> bool:
        return self.validate

    def eval_batches(self) -> Sequence[Batch]:
        return self.val_batches

    def batch_weight(self, batch: Batch) -> float:
        return batch.n_targets  # counted on the host: weighting the micro-batches needs no sync

    def count(self, batch: Batch) -> float:
        return batch.n_tokens

    def logits(self, module: nn.Module, batch: Batch) -> torch.Tensor:
        """(B, T, V) next-token logits of a packed or padded batch."""
        # Padded rows are right-padded, so causal attention alone keeps real tokens off the
        # padding: no attention mask needed (and SDPA keeps its fused causal path).
        return self.loaded.logits(
            batch.input_ids, doc_ids=batch.doc_ids, position_ids=batch.position_ids, module=module
        )

    def target_logits(self, module: nn.Module, batch: Batch, keep: torch.Tensor) -> torch.Tensor:
        """(N, V) logits of the positions `keep` (B, T-1) marks: those that predict a label.

        Kiln's GPT (bare, or with LoRA layers injected by peft) applies its LM head to those
        positions only: in SFT most positions are prompt, so the (B, T, V) logits and their
        gradient would mostly be computed to be thrown away. A DDP wrapper must run its own
        forward (it arms the gradient all-reduce there), and HF models give full logits.
        """
        gpt = module.get_base_model() if hasattr(module, "get_base_model") else module
        if isinstance(gpt, GPT):
            h, _ = gpt.hidden_states(batch.input_ids, position_ids=batch.position_ids, doc_ids=batch.doc_ids)
            return gpt.lm_head(h[:, :-1][keep])
        return self.logits(module, batch)[:, :-1][keep]

    def compute_loss(self, module: nn.Module, batch: Batch, split: str) -> tuple[torch.Tensor, Metrics]:
        # Smoothing is a training regularizer: validation reports the plain cross-entropy.
        cfg = self.cfg
        smoothing = cfg.token_label_smoothing if split == TRAIN else 0.0

        def loss_of(m: nn.Module) -> torch.Tensor:
            keep, targets = sft_targets(batch.labels)
            loss_sum, n = picked_loss(self.target_logits(m, batch, keep), targets, smoothing)
            return loss_sum / n.clamp_min(1)

        if cfg.adversarial == "none" or split != TRAIN:
            return loss_of(module), {}
        if self.dist.enabled:
            # DDP's reducer expects one parameter backward per forward; the ascent steps and
            # the two losses would each run a forward through it.
            raise ConfigError("adversarial", "adversarial training runs in one process; use workers = 1")
        clean = loss_of(module)
        fgsm = cfg.adversarial == "fgsm"
        steps = 1 if fgsm else cfg.adversarial_steps
        step_size = (
            cfg.adversarial_epsilon if fgsm else cfg.adversarial_step_size or 2.5 * cfg.adversarial_epsilon / steps
        )
        adv, _ = adversarial_loss(
            lambda: loss_of(module),
            lambda: loss_of(module),
            input_embedding(module),
            epsilon=cfg.adversarial_epsilon,
            steps=steps,
            step_size=step_size,
            random_start=not fgsm,
        )
        w = cfg.adversarial_weight
        return (1 - w) * clean + w * adv, {"clean_loss": clean.detach(), "adversarial_loss": adv.detach()}

    def early_stopping_patience(self) -> int | None:
        return self.cfg.early_stopping_patience

    def early_stopping_min_delta(self) -> float:
        return self.cfg.early_stopping_min_delta

    def restore_best(self) -> bool:
        return self.cfg.restore_best_weights

    def report_extras(self) -> dict[str, float]:
        extras = {"tokens": float(self.seen)}
        if self.sampler is not None and self.sampler.curriculum:
            extras["curriculum_share"] = self.sampler.share(max(0, self.step - 1))  # the last step's share
        return extras

    def result_extras(self) -> dict[str, float]:
        extras = {"tokens": float(self.seen)}
        if self.cfg.measure_decode_latency and self.loaded.kind == KILN_GPT:  # the same on every rank
            # The cost objective of architecture search (sweeps' decode_ms_per_token), measured on
            # the saved model by rank 0 (every rank returns the same metrics, and they all join
            # the broadcast); a result metric, so it is on the registered model's metrics. Only
            # when asked (configs/sft.py): most jobs would pay for a figure nobody reads.
            model = self.loaded.model
            ms = decode_ms_per_token(model) if self.dist.is_main and isinstance(model, GPT) else None
            ms = broadcast_from_main(ms, self.dist)
            if ms is not None:
                extras["decode_ms_per_token"] = float(ms)
        return extras

    def curve_title(self) -> str:
        return f"{self.title} of {Path(self.cfg.base_model).name} ({self.cfg.tuning})"

    def save_model(self, model_dir: Path) -> None:
        self.loaded.model = self.merged(self.module, model_dir)
        self.loaded.save(model_dir)

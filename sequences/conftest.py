"""This project's own pipelines reuse the delivery symphony's beats.

A conftest.py's ``@handler`` functions are the project's handlers for the specs of its folder,
so importing the built-in ones here lets ``release.yaml`` name them; nothing is imported unless a
run collects this folder (``pytest --symphony=release``).
"""

from pytest_symphony.pipelines.delivery_handlers import (
    architect_for_delivery,
    build_and_automate,
    collaborate_and_research,
    hypothesize_mvp,
    learn_from_feedback,
    measure_usage_and_impact,
    plan_next_iteration,
    rollback_delivery,
    synthesize_vision_and_roadmap,
)

__all__ = [
    "architect_for_delivery", "build_and_automate", "collaborate_and_research", "hypothesize_mvp",
    "learn_from_feedback", "measure_usage_and_impact", "plan_next_iteration", "rollback_delivery",
    "synthesize_vision_and_roadmap",
]

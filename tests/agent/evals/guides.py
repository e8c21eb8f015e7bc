"""The guides the evaluations run on: a numbered guide with probes, a Russian one, a prose one, one with a
double-barrelled item, and a long one for the clock."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Guide:
    goals: str
    text: str
    topics: tuple[str, ...] = ()


GUIDES = {
    "numbered": Guide(
        goals="Understand how people plan their week and what gets in the way.",
        text=(
            "1. How do you plan your week?\n"
            "   Probe: What tools do you use for it?\n"
            "2. What gets in the way of your plans?\n"
            "   Probe: Can you think of a recent example?\n"
            "3. What would make planning easier for you?\n"
            "4. Who else is involved in your plans?"
        ),
        topics=("planning",),
    ),
    "russian": Guide(
        goals="Понять, как люди готовят дома и почему заказывают еду.",
        text=(
            "1. Как часто вы готовите дома?\n"
            "   Уточнение: Что обычно готовите?\n"
            "2. Что мешает вам готовить чаще?\n"
            "3. Когда вы заказываете еду вместо готовки?\n"
            "4. Что помогло бы вам готовить дома?"
        ),
        topics=("готовка",),
    ),
    "prose": Guide(
        goals="Learn why new users stall during onboarding.",
        text=(
            "Tell me about the first day you used the app. What was hard when you started? "
            "Why did you keep going, or stop? What would you change for the next new user?"
        ),
    ),
    "double": Guide(
        goals="Learn why people cook at home or order food.",
        text=(
            "1. How often do you cook at home, and what do you usually make?\n"
            "2. What do you like and dislike about cooking?\n"
            "3. Who do you cook for?"
        ),
    ),
    "long": Guide(
        goals="Understand how people plan their week and what gets in the way.",
        text="\n".join(
            f"{i}. {q}"
            for i, q in enumerate(
                [
                    "How do you plan your week?",
                    "What gets in the way of your plans?",
                    "What would make planning easier for you?",
                    "Who else is involved in your plans?",
                    "How do you keep track of what is done?",
                    "What would you change first?",
                ],
                start=1,
            )
        ),
    ),
}

"""The insights page (staff, supervisors, admins) and, for staff and admins, what the bot did not understand."""

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from bot.store.models import RiskLevel
from bot.web.core import auth
from bot.web.deps import InsightsPerson, Service, Templates, area_dependencies
from bot.web.insights import fallbacks, period
from bot.web.insights.charts import Chart, Counts, bar_chart, column_chart
from bot.web.insights.figures import Insights, format_duration, insights

# Risk is shown in the console's colours, and in words, on the charts too.
_RISK_CLASSES = {level.value.capitalize(): f"chart-{level.value}" for level in RiskLevel}


def _chart(chart_id: str, caption: str, columns, rows: Counts, draw=bar_chart, **options) -> Chart:
    return Chart(chart_id, caption, draw(chart_id, caption, rows, **options), columns, rows)


def charts(figures: Insights) -> dict[str, list[Chart]]:
    """The page's charts, by section."""
    per_day = [(f"{day.day} {day:%b}", count) for day, count in figures.conversations_per_day]
    per_hour = [(f"{hour:02d}:00", count) for hour, count in figures.conversations_per_hour]
    return {
        "conversations": [
            _chart(
                "per-day",
                f"Conversations started per day, last {figures.days} days",
                ("Day", "Conversations"),
                per_day,
                column_chart,
                label_last=True,
            ),
            _chart(
                "per-hour",
                f"Conversations started by hour of the day ({figures.timezone} time)",
                ("Hour", "Conversations"),
                per_hour,
                column_chart,
            ),
        ],
        "intents": [
            _chart(
                "intents",
                "What children's messages were recognised as (intents)",
                ("Intent", "Messages"),
                figures.intents,
            ),
            _chart(
                "fallbacks", "Messages the bot did not understand (fallbacks)", ("Kind", "Messages"), figures.fallbacks
            ),
        ],
        "risk": [
            _chart(
                "message-risk",
                "Children's messages by risk level",
                ("Risk level", "Messages"),
                figures.messages_by_risk,
                row_classes=_RISK_CLASSES,
            ),
            _chart(
                "conversation-risk",
                "Conversations by their highest risk level",
                ("Risk level", "Conversations"),
                figures.conversations_by_risk,
                row_classes=_RISK_CLASSES,
            ),
        ],
        "handoffs": [
            _chart(
                "handoff-reasons",
                "Handoffs to a counsellor by reason",
                ("Reason", "Handoffs"),
                figures.handoffs_by_reason,
            ),
            _chart(
                "handoff-status", "Handoffs by where they are now", ("Status", "Handoffs"), figures.handoffs_by_status
            ),
            _chart("waits", "How long children waited for a counsellor", ("Wait", "Handoffs"), figures.waits.buckets),
        ],
    }


def _filters(days: int, region: str | None) -> str:
    return urlencode({"days": days, **({"region": region} if region else {})})


router = APIRouter(dependencies=area_dependencies("insights"))


@router.get("/insights", response_class=HTMLResponse)
async def insights_page(
    request: Request,
    person: InsightsPerson,
    service: Service,
    templates: Templates,
    days: str | None = None,
    region: str | None = None,
):
    chosen_days, region = period.chosen_period(days), period.chosen_region(region)
    figures = await service.db(insights, chosen_days, region)
    may_review = person.role in auth.EDITOR_ROLES
    return templates.TemplateResponse(
        request,
        "insights.html",
        {
            "person": person,
            "csrf": auth.csrf_token(request),
            "figures": figures,
            "charts": charts(figures),
            "median_wait": format_duration(figures.waits.median_seconds),
            "p90_wait": format_duration(figures.waits.p90_seconds),
            "periods": period.PERIODS,
            "regions": [(code, period.REGION_NAMES[code]) for code in period.REGION_CHOICES],
            "region_name": period.REGION_NAMES[region] if region else "every region",
            "fallbacks": await service.db(fallbacks.fallback_messages, chosen_days, region) if may_review else None,
            "download_url": f"/insights/fallbacks.yml?{_filters(chosen_days, region)}",
        },
    )


# What the bot did not understand is for those who write its training data: the editors among insights' roles.
@router.get("/insights/fallbacks.yml", dependencies=area_dependencies("editor"))
async def fallbacks_download(service: Service, days: str | None = None, region: str | None = None):
    chosen_days, region = period.chosen_period(days), period.chosen_region(region)
    messages = await service.db(fallbacks.fallback_messages, chosen_days, region)
    return Response(
        fallbacks.nlu_yaml(messages, chosen_days, region),
        media_type="application/yaml; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="fallbacks.yml"'},
    )

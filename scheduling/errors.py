"""Scheduling's one error type. Messages declared once; the API maps ``status`` to HTTP."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from spa.lib.errors import DomainError


class SchedulingError(DomainError):
    """Add new codes here (message and, if not 400, the HTTP status)."""

    ERROR_MESSAGES = {
        "slot_taken": _("Sorry, that time has just been taken. Please choose another."),
        "not_offered": _("That time is not available for this service."),
        "unknown_practitioner": _("That practitioner is not available for this service."),
        "too_soon": _("Online bookings need at least %(hours)s hours' notice."),
        "too_far": _("Bookings open up to %(days)s days ahead."),
        "screening": _("%(explanation)s"),
        "under_age": _("You must be 18 or over to book online."),
        "outside_window": _("Session %(number)s of your plan can be booked from %(window)s."),
        "plan_not_active": _("This plan is no longer active."),
        "plan_complete": _("Every session of this plan is already booked."),
        "not_your_plan": _("That plan is not yours."),
        "depth_over_limit": _("%(practitioner)s may needle up to %(limit)s mm; this plan starts at %(depth)s mm."),
        "cutoff_passed": _(
            "Changes online are possible until %(hours)s hours before your appointment. Please call the spa."
        ),
        "not_active": _("This appointment is %(status)s and can't be changed."),
        "wrong_status": _("This appointment is %(status)s."),
        "override_reason_required": _("Give a reason to book outside the plan's window."),
        "depth_out_of_range": _(
            "%(depth)s mm is outside the plan's %(low)s–%(high)s mm: say why in a few words (at least three)."
        ),
        "depth_over_ceiling": _("Never deeper than 2.0 mm."),
        "bad_range": _("%(reason)s"),
        # Treatment plans (scheduling/plans.py)
        "no_service": _("No service covers the %(area)s yet; please call the spa."),
        "plan_exists": _("You already have a plan for %(concern)s %(area)s."),
        "no_plan": _("This appointment is not part of a treatment plan."),
        # The point of care (scheduling/checkin.py, scheduling/recording.py, scheduling/reactions.py).
        "depth_over_limit_record": _("%(practitioner)s may needle up to %(limit)s mm."),
        "depth_over_booked_practitioner": _(
            "The booked practitioner, %(practitioner)s, may needle up to %(limit)s mm: no reason lifts it."
        ),
        "depth_over_concern": _("%(concern)s is not a scarring concern: at most 1.5 mm, whatever the reason."),
        "depth_over_area": _("%(area)s: at most %(limit)s mm, whatever the reason."),
        "area_not_in_plan": _("%(areas)s: not within %(where)s."),
        "not_started": _("The session has not started: %(reason)s."),
        "not_a_practitioner": _("Only a practitioner can record a session."),
        "not_needling": _("This service does not needle: there is no session to record."),
        "bad_day_of_answers": _("Answer every day-of question."),
        "plan_on_hold": _("This plan is on hold (%(reason)s): please call the spa."),
        "plan_not_on_hold": _("This plan is not on hold."),
        "note_required": _("Write a note of at least a few words."),
        "problem_required": _("Tell us what the problem is, in a few words."),
        "bad_adverse_event": _("%(reason)s"),
        "depth_below_floor": _("At least 0.25 mm."),
        "areas_required": _("Choose at least one treated area."),
        "bad_reaction": _("Unknown reaction: %(reaction)s."),
        "plan_at_max": _("This plan can have at most %(max)s sessions."),
        "bad_extension": _("Extend by at least one session."),
        "reason_required": _("Give a reason."),
        "bad_rating": _("Rate your results from 1 to 5."),
        "not_your_session": _("That session is not yours."),
        "staff_only": _("Only staff can do this."),
        "bad_photo": _("Upload a JPEG, PNG or WebP image of at most 10 MB."),
        "no_practitioner_for_course": _(
            "None of our practitioners may needle to %(depth)s mm, the deepest this plan can go: please call the "
            "spa and we will arrange your course."
        ),
        "no_slot_in_window": _("No free time for session %(number)s in its window (%(window)s); please call the spa."),
        "course_changed": _("The plan changed since these times were proposed; please look again."),
        "too_early_to_record": _("This appointment is on %(day)s: record the session on the day."),
        # Staff actions (scheduling/staff.py).
        "check_in_not_today": _("Check-in is possible on the day of the appointment (%(day)s)."),
        "no_show_too_early": _("A no-show can be recorded only after the appointment's start (%(start)s)."),
        "hours_overlap": _("%(weekday)s: %(first)s and %(second)s overlap."),
        "time_off_in_past": _("Time off must end in the future."),
        # Booking (scheduling/booking.py).
        "age_unknown": _("Please add your date of birth to your profile before booking."),
        "not_your_appointment": _("That appointment is not yours."),
        "session_taken": _("Session %(number)s of this plan has just been booked."),
        # One client, one skin (scheduling/spacing.py, booking.py).
        "too_soon_after_needling": _(
            "Your skin needs %(weeks)s weeks to heal after the needling on %(other)s on the same area. "
            "The first date you may book is %(first)s."
        ),
        "too_close_to_needling": _(
            "You have a needling of the same area on %(other)s, and your skin needs %(weeks)s weeks between "
            "the two. The first date you may book is %(first)s."
        ),
        "after_next_session": _("This session must come before the next session of its plan."),
        "client_busy": _("You already have an appointment at that time."),
        "too_many_bookings": _(
            "You already hold %(count)s upcoming appointments, the most you may book online (%(limit)s). "
            "Please call the spa to book more."
        ),
        "wrong_service_for_plan": _(
            "A session of your %(plan)s plan must be a needling of the %(area)s (for example %(service)s)."
        ),
        "idempotency_key_reused": _("This Idempotency-Key was already used for a different request."),
        "bad_idempotency_key": _("An Idempotency-Key has 1 to %(max)s characters."),
        "request_in_progress": _("The same request is still being processed; try again in a moment."),
        # Outbox (scheduling/dispatch.py).
        "not_resendable": _("Only a failed message can be sent again; this one is %(status)s."),
    }
    STATUS = {
        "slot_taken": 409,
        "screening": 403,
        "under_age": 403,
        "not_your_plan": 403,
        "cutoff_passed": 403,
        "not_your_session": 403,
        "staff_only": 403,
        "age_unknown": 403,
        "not_your_appointment": 403,
        "session_taken": 409,
        "client_busy": 409,
        "request_in_progress": 409,
        "idempotency_key_reused": 422,
        "not_resendable": 409,
        "not_a_practitioner": 403,
        "plan_on_hold": 403,
    }

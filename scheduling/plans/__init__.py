"""Treatment plans: a course of sessions spaced by the rules of its concern and area.

``windows`` (each session's booking window, in local dates), ``services`` (start, extend,
end, rate, photos), ``course`` (propose and book the whole course), ``selectors`` (timeline,
suggested depth), ``fit`` (which practitioners may needle a whole plan).
"""

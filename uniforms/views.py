"""Web pages of the uniforms app: the scan-first hand-over and stocktake screens (the work itself is done by the API)."""
from django.shortcuts import render

from assets.access import CHANGE, page


@page("assets.Asset", CHANGE)
def handover_screen(request):
    return render(request, "uniforms/handover.html")


@page("uniforms.Stocktake", CHANGE)
def stocktake_screen(request):
    return render(request, "uniforms/stocktake.html")

"""Web pages of the uniforms app: the scan-first hand-over and stocktake screens (the work itself is done by the API)."""
from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def handover_screen(request):
    return render(request, "uniforms/handover.html")


@login_required
def stocktake_screen(request):
    return render(request, "uniforms/stocktake.html")
